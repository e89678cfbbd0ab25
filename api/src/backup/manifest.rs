//! `manifest.json`: what an archive holds and how to check it. It is written last, so an
//! export that did not finish has none, and read first, so an import checks every file
//! against it before it writes anything.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::catalog::Column;

/// The `format` of every Motgift archive.
pub const FORMAT: &str = "motgift-export";

/// Raised when the layout of the archive changes (not when the database schema does: the
/// manifest names the migration the rows belong to).
pub const FORMAT_VERSION: u32 = 1;

pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the motgift that wrote it.
    pub format_version: u32,
    /// The latest migration applied to the database the rows come from: an import migrates
    /// the new database to exactly this one before it inserts them, and further afterwards.
    pub migration: String,
    /// When the export began, just before its snapshot (RFC 3339, UTC).
    pub created_at: String,
    /// The version of motgift that wrote it, for the reader's information.
    pub motgift_version: String,
    /// `postgres` or `sqlite`, for the reader's information: an archive imports into either.
    pub source_database: String,
    pub scope: Scope,
    /// In the order an import inserts them (referenced tables first).
    pub tables: Vec<TableEntry>,
}

/// Which municipalities' rows the archive holds. Reference data (municipalities,
/// populations, the plan) is always there in full, and so is the plan's own audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every municipality's rows.
    All,
    /// Only these municipalities' rows (kommunenummer).
    Municipalities(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    /// `<name>.jsonl`, beside the manifest.
    pub file: String,
    /// Lines in the file, one row each.
    pub rows: u64,
    /// SHA-256 of the file's bytes, in hex.
    pub sha256: String,
    /// The columns every line has, in order, with their portable types.
    pub columns: Vec<Column>,
    /// The primary key: the file is in this order.
    pub key: Vec<String>,
}

impl Manifest {
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let mut file = super::export::create_private(&dir.join(MANIFEST_FILE))?;
        serde_json::to_writer_pretty(&mut file, self)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        Ok(())
    }

    /// Reads the manifest and checks that this motgift can read the archive.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {}: {} is not a motgift export, or its export did not finish",
                path.display(),
                dir.display()
            )
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a motgift export manifest", path.display()))?;
        if manifest.format != FORMAT {
            anyhow::bail!(
                "{} is of format {:?}, not a motgift export ({FORMAT:?})",
                path.display(),
                manifest.format
            );
        }
        if manifest.format_version != FORMAT_VERSION {
            anyhow::bail!(
                "the archive is in format version {}, this motgift reads version {FORMAT_VERSION}: \
                 import it with the motgift version that wrote it ({})",
                manifest.format_version,
                manifest.motgift_version
            );
        }
        for table in &manifest.tables {
            if table.file != format!("{}.jsonl", table.name) {
                anyhow::bail!(
                    "the manifest names the file {:?} for table {}; expected {}.jsonl",
                    table.file,
                    table.name,
                    table.name
                );
            }
        }
        Ok(manifest)
    }

    /// Checks every file against its checksum and row count, reading each once.
    pub fn verify_files(&self, dir: &Path) -> anyhow::Result<()> {
        for table in &self.tables {
            let path = dir.join(&table.file);
            let (sha256, rows) =
                digest(&path).with_context(|| format!("cannot read {}", path.display()))?;
            if sha256 != table.sha256 {
                anyhow::bail!(
                    "{} does not match its checksum in the manifest: the archive is damaged or \
                     was changed after the export",
                    path.display()
                );
            }
            if rows != table.rows {
                anyhow::bail!(
                    "{} has {rows} rows, the manifest says {}",
                    path.display(),
                    table.rows
                );
            }
        }
        Ok(())
    }
}

/// The SHA-256 (hex) and line count of a file.
fn digest(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut hasher = Sha256::new();
    let mut lines = 0;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        hasher.update(buffer);
        lines += bytecount(buffer);
        let n = buffer.len();
        reader.consume(n);
    }
    Ok((hex::encode(hasher.finalize()), lines))
}

fn bytecount(buffer: &[u8]) -> u64 {
    buffer.iter().filter(|b| **b == b'\n').count() as u64
}

/// A writer that counts what it writes into a SHA-256, so a table's checksum is computed while
/// it is exported instead of by reading the file again.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Flushes and returns the inner writer and the hex digest of everything written.
    pub fn finish(mut self) -> anyhow::Result<(W, String)> {
        self.inner.flush()?;
        Ok((self.inner, hex::encode(self.hasher.finalize())))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads a table's file line by line (one row per line), never the whole file at once.
pub fn lines(
    dir: &Path,
    table: &TableEntry,
) -> anyhow::Result<impl Iterator<Item = anyhow::Result<String>>> {
    let path = dir.join(&table.file);
    let reader = BufReader::with_capacity(1 << 16, File::open(&path)?);
    Ok(reader
        .lines()
        .map(move |line| line.with_context(|| format!("cannot read {}", path.display()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_reads_as_it_is_documented() {
        assert_eq!(serde_json::to_string(&Scope::All).unwrap(), r#""all""#);
        assert_eq!(
            serde_json::to_string(&Scope::Municipalities(vec!["1506".into()])).unwrap(),
            r#"{"municipalities":["1506"]}"#
        );
    }

    #[test]
    fn the_hashing_writer_hashes_what_it_writes() {
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"{\"a\":1}\n").unwrap();
        let (bytes, hash) = writer.finish().unwrap();
        assert_eq!(hash, hex::encode(Sha256::digest(&bytes)));
    }
}
