//! The complete test of a table's suppression, and what closes a gap it finds.
//!
//! A table's figures are the edges of a bipartite graph: a node for each row and one for the
//! row of column totals, a node for each column and one for the column of row totals. A cell
//! joins its row and its column, a row total its row and the column of row totals, a column
//! total its column and the row of column totals, the grand total the two total nodes. The
//! figures meeting at a node are one of the table's equations (a row, a column, the totals).
//!
//! Each figure going up runs one way along its edge (`rising`): at every node, the figures
//! running out of it minus those running into it make zero. So moving figures by one around
//! a cycle of the graph, up where the cycle runs along a figure and down where it runs
//! against one, keeps every equation, and a hidden figure on a cycle of figures the viewer
//! does not know has another value consistent with everything published, provided none goes
//! below zero: a figure may always go up, and down only from above zero. Without such a
//! directed cycle its value follows from the published figures, however many equations that
//! takes (any other solution differs by moves around such cycles).
//!
//! A table that splits a column of another (its rows add up to that column's cells) shares
//! figures with it; the two, or a table and several that split its columns, are one graph of
//! the same kind ([`Graph::splits`]), so they are checked together.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::{Index, Var};

/// The cost of hiding a published zero: more than any count, so a zero is hidden only when
/// nothing else closes the cycle (hidden zeros protect as well, but readable zeros are kept).
const ZERO_COST: u64 = 1 << 40;

pub(super) struct Cycles<'a, F> {
    value: &'a F,
    /// For each figure, the node it runs from and the node it runs to when it goes up.
    rising: Vec<(usize, usize)>,
    /// For each figure, whether it may go down (it is above zero).
    can_fall: Vec<bool>,
    /// For each node, the figures that meet there.
    at: Vec<Vec<usize>>,
}

/// The moves of the unknown figures: for each node the figures that may leave it and the node
/// each reaches, and each node's strongly connected component along them.
struct Moves {
    out: Vec<Vec<(usize, usize)>>,
    component: Vec<usize>,
}

/// What a figure is to the viewer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Figure {
    /// Hidden, and not one it knows: a cycle may run through it freely.
    Unknown,
    /// Published, and not the viewer's own: a cycle may run through it once it is hidden.
    Hideable,
    /// Its own, or one it can work out from its own figures alone: no cycle runs through it.
    Known,
}

/// Figures as edges between the equations they are terms of, each running the way it goes
/// when it rises.
pub(super) struct Graph {
    nodes: usize,
    rising: Vec<(usize, usize)>,
}

/// The nodes of one table's graph.
struct Nodes {
    rows: usize,
    columns: usize,
}

impl Nodes {
    fn row(&self, r: usize) -> usize {
        r
    }
    fn totals_row(&self) -> usize {
        self.rows
    }
    fn column(&self, c: usize) -> usize {
        self.rows + 1 + c
    }
    fn totals_column(&self) -> usize {
        self.rows + 1 + self.columns
    }
    fn count(&self) -> usize {
        self.rows + self.columns + 2
    }
}

impl Graph {
    /// One table's graph.
    pub fn of(index: &Index) -> Self {
        let nodes = Nodes {
            rows: index.rows,
            columns: index.columns,
        };
        let rising = (0..index.len())
            .map(|v| match index.kind(v) {
                // Up, as seen from each equation: a cell and the totals it adds to rise
                // together around a cycle.
                Var::Cell(r, c) => (nodes.row(r), nodes.column(c)),
                Var::Row(r) => (nodes.totals_column(), nodes.row(r)),
                Var::Column(c) => (nodes.column(c), nodes.totals_row()),
                Var::Total => (nodes.totals_row(), nodes.totals_column()),
            })
            .collect();
        Self {
            nodes: nodes.count(),
            rising,
        }
    }

    /// The graph of a table and the tables that split some of its columns, each `(column,
    /// parts, of_parts)`: the parts' row totals are that column's cells and their grand total
    /// the column's total. Those figures are numbered as the first table's; `of_parts` gives
    /// each of the parts' figures its number here, the rest numbered after the first table's.
    /// A column's equation is its parts' equation of their row totals, so that node goes, and
    /// each shared figure runs from where it left in one table to where it arrived in the
    /// other: a cell from its row in the first into its row in the parts, the column's total
    /// from the parts' row of column totals into the first's.
    pub fn splits(whole: &Index, splits: &[(usize, &Index, &[usize])]) -> Self {
        let first = Self::of(whole);
        let figures = splits
            .iter()
            .flat_map(|(_, _, of_parts)| of_parts.iter())
            .map(|f| f + 1)
            .fold(whole.len(), usize::max);
        let mut rising = first.rising;
        rising.resize(figures, (0, 0));
        let whole_nodes = Nodes {
            rows: whole.rows,
            columns: whole.columns,
        };
        let mut nodes = first.nodes;
        for (column, parts, of_parts) in splits {
            let second = Self::of(parts);
            let offset = nodes;
            let dropped = whole_nodes.column(*column);
            for (v, (from, to)) in second.rising.iter().enumerate() {
                let (from, to) = (from + offset, to + offset);
                let joint = of_parts[v];
                rising[joint] = if joint >= whole.len() {
                    (from, to)
                } else if rising[joint].1 == dropped {
                    // A cell of the column: it left its row of the first table, and arrives
                    // in its row of the parts.
                    (rising[joint].0, to)
                } else {
                    // The column's total: it leaves the parts' row of column totals, and
                    // arrives in the first's.
                    (from, rising[joint].1)
                };
            }
            nodes += second.nodes;
        }
        Self { nodes, rising }
    }
}

/// A move another table allows of totals this table shares with it, there on a cycle of its
/// own: for it to be possible in both, this table's figures must make it too. In this table's
/// graph it is a figure that only rises, standing for the shared totals' part of the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Move {
    /// One row's total up by one, another's down.
    Trade { up: usize, down: usize },
    /// One row's total and the grand total up by one.
    Grow { up: usize },
}

impl Graph {
    /// How many figures it has.
    pub fn len(&self) -> usize {
        self.rising.len()
    }

    /// The graph with a figure for each move of the table `index`'s shared totals, after its
    /// other figures: a trade runs from the row whose total falls to the row whose total
    /// rises (the two totals, as they move, lead from one row to the other), growth from the
    /// row of column totals to the row (the grand total and the row's total lead there).
    pub fn with_moves(mut self, index: &Index, moves: &[Move]) -> Self {
        let nodes = Nodes {
            rows: index.rows,
            columns: index.columns,
        };
        self.rising.extend(moves.iter().map(|m| match *m {
            Move::Trade { up, down } => (nodes.row(down), nodes.row(up)),
            Move::Grow { up } => (nodes.totals_row(), nodes.row(up)),
        }));
        self
    }
}

impl<'a, F: Fn(usize) -> u64> Cycles<'a, F> {
    pub fn new(graph: Graph, value: &'a F) -> Self {
        let mut at = vec![Vec::new(); graph.nodes];
        for (v, (from, to)) in graph.rising.iter().enumerate() {
            at[*from].push(v);
            at[*to].push(v);
        }
        let can_fall = (0..graph.rising.len()).map(|v| value(v) > 0).collect();
        Self {
            value,
            rising: graph.rising,
            can_fall,
            at,
        }
    }

    /// Makes sure every hidden figure the viewer does not know lies on a cycle of such figures:
    /// where one does not, hides the published figures that close the cheapest cycle through
    /// it, or concedes it when only the viewer's own figures could. Hiding more never takes a
    /// figure off a cycle, and a conceded figure was on none, so taking it out breaks none:
    /// one pass leaves every hidden figure protected, and every figure of a cycle found is
    /// protected without a search of its own.
    pub fn close(&self, hidden: &mut [bool], owned: &[bool], conceded: &mut [bool]) {
        let mut figures: Vec<Figure> = (0..hidden.len())
            .map(|f| match (owned[f] || conceded[f], hidden[f]) {
                (true, _) => Figure::Known,
                (false, true) => Figure::Unknown,
                (false, false) => Figure::Hideable,
            })
            .collect();
        let mut protected = vec![false; hidden.len()];
        let mut moves = self.moves(&figures);
        // The components are found again only when a figure is conceded, which takes moves
        // away. Hiding a figure only adds its moves (to `out`, at once), so components found
        // before still hold where they say two nodes are joined; where they say apart since
        // figures were hidden (`stale`), the search looks.
        let mut stale = false;
        for v in 0..hidden.len() {
            if figures[v] != Figure::Unknown || protected[v] {
                continue;
            }
            let (from, to) = self.rising[v];
            let joined = moves.component[from] == moves.component[to];
            let found = if joined && !self.can_fall[v] {
                // It only goes up, so any way back from where it leads closes a cycle.
                Some(Vec::new())
            } else if joined || stale {
                self.on_cycle(v, &moves)
            } else {
                None
            };
            match found.or_else(|| self.cheapest_cycle(v, &figures)) {
                Some(cycle) => {
                    protected[v] = true;
                    for f in cycle {
                        protected[f] = true;
                        if figures[f] == Figure::Hideable {
                            hidden[f] = true;
                            figures[f] = Figure::Unknown;
                            for (leave, reach) in self.ways(f) {
                                moves.out[leave].push((f, reach));
                            }
                            stale = true;
                        }
                    }
                }
                None => {
                    conceded[v] = true;
                    figures[v] = Figure::Known;
                    moves = self.moves(&figures);
                    stale = false;
                }
            }
        }
    }

    /// The moves the unknown figures allow, and the strongly connected components they make
    /// (Kosaraju's two depth-first searches).
    fn moves(&self, figures: &[Figure]) -> Moves {
        let nodes = self.at.len();
        let mut out = vec![Vec::new(); nodes];
        let mut into = vec![Vec::new(); nodes];
        for f in (0..figures.len()).filter(|f| figures[*f] == Figure::Unknown) {
            for (leave, reach) in self.ways(f) {
                out[leave].push((f, reach));
                into[reach].push(leave);
            }
        }
        // The nodes in the order their searches finish, along the moves.
        let mut finished = Vec::with_capacity(nodes);
        let mut seen = vec![false; nodes];
        for start in 0..nodes {
            if std::mem::replace(&mut seen[start], true) {
                continue;
            }
            let mut stack = vec![(start, 0)];
            while let Some((node, next_arc)) = stack.pop() {
                match out[node].get(next_arc) {
                    Some(&(_, next)) => {
                        stack.push((node, next_arc + 1));
                        if !std::mem::replace(&mut seen[next], true) {
                            stack.push((next, 0));
                        }
                    }
                    None => finished.push(node),
                }
            }
        }
        // Against the moves, last finished first: each search is one component.
        let mut component = vec![usize::MAX; nodes];
        for (id, &start) in finished.iter().rev().enumerate() {
            if component[start] != usize::MAX {
                continue;
            }
            component[start] = id;
            let mut stack = vec![start];
            while let Some(node) = stack.pop() {
                for &previous in &into[node] {
                    if component[previous] == usize::MAX {
                        component[previous] = id;
                        stack.push(previous);
                    }
                }
            }
        }
        Moves { out, component }
    }

    /// The ways figure `v` can move: up always, down when it is above zero; each as the node
    /// it leaves and the node it reaches.
    fn ways(&self, v: usize) -> impl Iterator<Item = (usize, usize)> {
        let (from, to) = self.rising[v];
        std::iter::once((from, to)).chain(self.can_fall[v].then_some((to, from)))
    }

    /// The steps from `node` along the figures meeting there, other than `except`, each the
    /// way it may move: the figure and the node it leads to.
    fn steps(&self, node: usize, except: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.at[node]
            .iter()
            .filter(move |f| **f != except)
            .flat_map(move |&f| {
                self.ways(f)
                    .filter(move |(leave, _)| *leave == node)
                    .map(move |(_, reach)| (f, reach))
            })
    }

    /// The other figures of a cycle of unknown figures through `v`, if one runs through it.
    fn on_cycle(&self, v: usize, moves: &Moves) -> Option<Vec<usize>> {
        self.ways(v).find_map(|(leave, reach)| {
            // Breadth first from where `v` leads back to where it left, each node with the
            // figure it was reached by.
            let mut by: Vec<Option<(usize, usize)>> = vec![None; self.at.len()];
            let mut queue = VecDeque::from([reach]);
            while let Some(node) = queue.pop_front() {
                for &(f, next) in &moves.out[node] {
                    if f != v && next != reach && by[next].is_none() {
                        by[next] = Some((f, node));
                        // Done as soon as it is found, not once its turn comes.
                        if next == leave {
                            return Some(self.path(&by, reach, leave));
                        }
                        queue.push_back(next);
                    }
                }
            }
            None
        })
    }

    /// The figures by which `to` was reached from `from`.
    fn path(&self, by: &[Option<(usize, usize)>], from: usize, to: usize) -> Vec<usize> {
        let mut figures = Vec::new();
        let mut at = to;
        while at != from {
            let Some((f, previous)) = by[at] else { break };
            figures.push(f);
            at = previous;
        }
        figures
    }

    /// The cheapest cycle through `v` the viewer's own figures are not needed for (the
    /// published figures it takes summed, zeros last), as its other figures.
    fn cheapest_cycle(&self, v: usize, figures: &[Figure]) -> Option<Vec<usize>> {
        let cost = |f: usize| match figures[f] {
            Figure::Unknown => Some(0),
            Figure::Hideable => Some(match (self.value)(f) {
                0 => ZERO_COST,
                count => count,
            }),
            Figure::Known => None,
        };
        self.ways(v)
            .filter_map(|(leave, reach)| {
                // Dijkstra from where `v` leads back to where it left.
                let mut best: Vec<Option<u64>> = vec![None; self.at.len()];
                let mut by: Vec<Option<(usize, usize)>> = vec![None; self.at.len()];
                let mut done = vec![false; self.at.len()];
                best[reach] = Some(0);
                let mut queue = BinaryHeap::from([Reverse((0u64, reach))]);
                while let Some(Reverse((spent, node))) = queue.pop() {
                    if std::mem::replace(&mut done[node], true) {
                        continue;
                    }
                    if node == leave {
                        return Some((spent, self.path(&by, reach, leave)));
                    }
                    for (f, next) in self.steps(node, v) {
                        let Some(step) = cost(f) else { continue };
                        let reached = spent.saturating_add(step);
                        if best[next].is_none_or(|known| reached < known) {
                            best[next] = Some(reached);
                            by[next] = Some((f, node));
                            queue.push(Reverse((reached, next)));
                        }
                    }
                }
                None
            })
            .min_by_key(|(spent, _)| *spent)
            .map(|(_, cycle)| cycle)
    }
}
