//! A period's published figures as a panel keeps them: in one allocation, four bytes a figure
//! where every count fits. Panels are cached by the million figures; the table the disclosure
//! audit works on ([`Published`]) is a vector per row of sixteen-byte figures, which cost the
//! cache several times as much.

use crate::disclosure::{Published, Shown};

/// The figures of one period's table: cells by municipality and category, each
/// municipality's total, each category's joint figure and the joint total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    rows: usize,
    columns: usize,
    /// The cells row by row, then the row totals, the column totals and the total.
    values: Values,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Values {
    /// Every shown figure below [`HIDDEN`], which stands for a suppressed one.
    Narrow(Box<[u32]>),
    /// A figure too large for that (never seen in practice), kept as published.
    Wide(Box<[Option<u64>]>),
}

const HIDDEN: u32 = u32::MAX;

impl Figures {
    /// The figures of a table as published, whose column totals give its columns.
    pub fn new(published: &Published) -> Self {
        let (rows, columns) = (published.row_totals.len(), published.column_totals.len());
        // Read back by position: a table of another shape would give its neighbours' figures.
        assert!(
            published.cells.len() == rows && published.cells.iter().all(|r| r.len() == columns),
            "a table's cells are a row per row total and a column per column total"
        );
        let all = published
            .cells
            .iter()
            .flatten()
            .chain(&published.row_totals)
            .chain(&published.column_totals)
            .chain(std::iter::once(&published.total))
            .copied();
        let narrow: Option<Box<[u32]>> = all
            .clone()
            .map(|figure| match figure {
                None => Some(HIDDEN),
                Some(v) => u32::try_from(v).ok().filter(|v| *v != HIDDEN),
            })
            .collect();
        let values = match narrow {
            Some(narrow) => Values::Narrow(narrow),
            None => Values::Wide(all.collect()),
        };
        Self {
            rows,
            columns,
            values,
        }
    }

    /// The table as published, for the audit and the sums over periods.
    pub fn published(&self) -> Published {
        Published {
            cells: (0..self.rows)
                .map(|r| (0..self.columns).map(|c| self.cell(r, c)).collect())
                .collect(),
            row_totals: (0..self.rows).map(|r| self.row_total(r)).collect(),
            column_totals: (0..self.columns).map(|c| self.column_total(c)).collect(),
            total: self.total(),
        }
    }

    fn at(&self, index: usize) -> Option<u64> {
        match &self.values {
            Values::Narrow(values) => Some(values[index]).filter(|v| *v != HIDDEN).map(u64::from),
            Values::Wide(values) => values[index],
        }
    }
}

impl Shown for Figures {
    fn rows(&self) -> usize {
        self.rows
    }

    fn columns(&self) -> usize {
        self.columns
    }

    fn cell(&self, row: usize, column: usize) -> Option<u64> {
        debug_assert!(row < self.rows && column < self.columns);
        self.at(row * self.columns + column)
    }

    fn row_total(&self, row: usize) -> Option<u64> {
        debug_assert!(row < self.rows);
        self.at(self.rows * self.columns + row)
    }

    fn column_total(&self, column: usize) -> Option<u64> {
        debug_assert!(column < self.columns);
        self.at(self.rows * self.columns + self.rows + column)
    }

    fn total(&self) -> Option<u64> {
        self.at(self.rows * self.columns + self.rows + self.columns)
    }
}

impl From<Published> for Figures {
    fn from(published: Published) -> Self {
        Self::new(&published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published() -> Published {
        Published {
            cells: vec![vec![Some(7), None, Some(0)], vec![None, Some(12), Some(5)]],
            row_totals: vec![Some(9), None],
            column_totals: vec![Some(10), None, Some(5)],
            total: Some(30),
        }
    }

    #[test]
    fn every_figure_reads_back_as_published() {
        let shown = published();
        let figures = Figures::new(&shown);
        assert_eq!((figures.rows(), figures.columns()), (2, 3));
        assert_eq!(figures.published(), shown);
        assert_eq!(figures.cell(1, 1), Some(12));
        assert_eq!(figures.cell(0, 1), None);
        assert_eq!(figures.row_total(1), None);
        assert_eq!(figures.column_total(2), Some(5));
        assert_eq!(figures.total(), Some(30));
        assert_eq!(figures.totals_shown(), shown.totals_shown());
        assert!(matches!(figures.values, Values::Narrow(_)));
    }

    #[test]
    fn some_rows_cut_from_the_kept_figures_are_those_cut_from_the_table() {
        let shown = published();
        let figures = Figures::new(&shown);
        for rows in [&[0][..], &[1], &[1, 0], &[0, 1], &[]] {
            assert_eq!(
                figures.restricted(rows),
                shown.restricted(rows),
                "rows {rows:?}"
            );
        }
    }

    #[test]
    fn a_figure_too_large_for_four_bytes_is_kept_whole() {
        for large in [u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX] {
            let mut shown = published();
            shown.total = Some(large);
            let figures = Figures::new(&shown);
            assert!(matches!(figures.values, Values::Wide(_)));
            assert_eq!(figures.total(), Some(large));
            assert_eq!(figures.published(), shown);
        }
    }

    #[test]
    fn a_table_of_no_municipalities_keeps_its_joint_figures() {
        let shown = Published {
            cells: Vec::new(),
            row_totals: Vec::new(),
            column_totals: vec![Some(0), Some(0)],
            total: Some(0),
        };
        let figures = Figures::new(&shown);
        assert_eq!(figures.published(), shown);
    }
}
