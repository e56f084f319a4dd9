//! Streaming readers for record files: CSV, gzip'd CSV, Parquet and xlsx.
//!
//! Every reader hands rows to a visitor one at a time, so memory stays flat
//! however long the file is. Cells reach the visitor as text: the profile,
//! not the reader, decides what a value means.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::SimError;

/// One row's cells, by position in the file's header.
pub enum Cells<'a> {
    Csv(&'a csv::StringRecord),
    Strings(&'a [String]),
}

impl Cells<'_> {
    pub fn get(&self, i: usize) -> &str {
        match self {
            Cells::Csv(r) => r.get(i).unwrap_or(""),
            Cells::Strings(s) => s.get(i).map(String::as_str).unwrap_or(""),
        }
    }
}

pub trait Visitor {
    fn header(&mut self, headers: &[String]) -> Result<(), SimError>;
    fn row(&mut self, cells: &Cells<'_>) -> Result<(), SimError>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    CsvGz,
    Parquet,
    Xlsx,
}

impl Format {
    pub fn of(path: &Path) -> Result<Format, SimError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if name.ends_with(".csv.gz") || name.ends_with(".gz") {
            Ok(Format::CsvGz)
        } else if name.ends_with(".csv") {
            Ok(Format::Csv)
        } else if name.ends_with(".parquet") || name.ends_with(".pq") {
            Ok(Format::Parquet)
        } else if name.ends_with(".xlsx") {
            Ok(Format::Xlsx)
        } else {
            Err(SimError::Input(format!(
                "{}: unknown file type; expected .csv, .csv.gz, .parquet or .xlsx",
                path.display()
            )))
        }
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> SimError {
    SimError::Io(format!("{}: {e}", path.display()))
}

/// Bytes of the file read so far (compressed bytes for .gz), shared with a progress bar.
#[derive(Clone, Default)]
pub struct ByteCount(Arc<AtomicU64>);

impl ByteCount {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct Counting<R> {
    inner: R,
    count: Option<ByteCount>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.count {
            c.0.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Reads every row of the file, in order, into the visitor (CSV parsed on a
/// thread of its own).
pub fn read(path: &Path, sheet: Option<&str>, v: &mut dyn Visitor) -> Result<(), SimError> {
    read_counted(path, sheet, v, None, true)
}

/// [`read`], counting the bytes of CSV and gzip'd CSV files as they are read,
/// and parsing CSV on a thread of its own (`ahead`) or on the calling one. The
/// visitor sees the same rows in the same order either way.
pub fn read_counted(
    path: &Path,
    sheet: Option<&str>,
    v: &mut dyn Visitor,
    count: Option<ByteCount>,
    ahead: bool,
) -> Result<(), SimError> {
    match Format::of(path)? {
        Format::Csv => {
            let f = Counting {
                inner: File::open(path).map_err(|e| io(path, e))?,
                count,
            };
            read_csv_any(path, BufReader::with_capacity(1 << 16, f), v, ahead)
        }
        Format::CsvGz => {
            let f = Counting {
                inner: File::open(path).map_err(|e| io(path, e))?,
                count,
            };
            let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f));
            read_csv_any(path, BufReader::with_capacity(1 << 16, gz), v, ahead)
        }
        Format::Parquet => read_parquet(path, v),
        Format::Xlsx => read_xlsx(path, sheet, v),
    }
}

/// Reads CSV on a thread of its own (`ahead`) or on the calling one.
fn read_csv_any(
    path: &Path,
    r: impl Read + Send,
    v: &mut dyn Visitor,
    ahead: bool,
) -> Result<(), SimError> {
    if ahead {
        read_csv_pipelined(path, r, v)
    } else {
        read_csv(path, r, v)
    }
}

/// Records parsed ahead, per batch handed from the reading thread to the visitor.
const BATCH: usize = 1024;

enum Parsed {
    Header(Vec<String>),
    /// Parsed records; only the first `.1` are this batch's.
    Rows(Vec<csv::StringRecord>, usize),
    Failed(SimError),
}

/// [`read_csv`] with decompression and parsing on a thread of their own, batches of
/// records handed over in order through a bounded channel (and their buffers
/// handed back, so parsing allocates only at the start).
pub fn read_csv_pipelined(
    path: &Path,
    r: impl Read + Send,
    v: &mut dyn Visitor,
) -> Result<(), SimError> {
    use std::sync::mpsc::sync_channel;
    let (tx, rx) = sync_channel::<Parsed>(4);
    let (back_tx, back_rx) = sync_channel::<Vec<csv::StringRecord>>(8);
    std::thread::scope(|s| {
        s.spawn(move || parse(path, r, &tx, &back_rx));
        // `rx` moves in: when the visitor stops early it is dropped, and the reader stops.
        for msg in rx {
            match msg {
                Parsed::Header(h) => v.header(&h)?,
                Parsed::Rows(batch, n) => {
                    for rec in &batch[..n] {
                        v.row(&Cells::Csv(rec))?;
                    }
                    // The reader may have finished; then the buffers are not wanted back.
                    let _ = back_tx.try_send(batch);
                }
                Parsed::Failed(e) => return Err(e),
            }
        }
        Ok(())
    })
}

/// The reading thread of [`read_csv_pipelined`]: stops at the end of the file, at
/// an error (sent in order), or when the visitor stops listening.
fn parse(
    path: &Path,
    r: impl Read,
    tx: &std::sync::mpsc::SyncSender<Parsed>,
    back: &std::sync::mpsc::Receiver<Vec<csv::StringRecord>>,
) {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(r);
    let headers = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            let _ = tx.send(Parsed::Failed(io(path, e)));
            return;
        }
    };
    if tx.send(Parsed::Header(headers)).is_err() {
        return;
    }
    loop {
        let mut batch = back
            .try_recv()
            .unwrap_or_else(|_| vec![csv::StringRecord::new(); BATCH]);
        let mut n = 0;
        let mut failed = None;
        while n < BATCH {
            match rdr.read_record(&mut batch[n]) {
                Ok(true) => n += 1,
                Ok(false) => break,
                Err(e) => {
                    failed = Some(io(path, e));
                    break;
                }
            }
        }
        let end = n < BATCH;
        if n > 0 && tx.send(Parsed::Rows(batch, n)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = tx.send(Parsed::Failed(e));
            return;
        }
        if end {
            return;
        }
    }
}

/// Reads a CSV stream on the calling thread, every row into the visitor.
pub fn read_csv(path: &Path, r: impl Read, v: &mut dyn Visitor) -> Result<(), SimError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(r);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| io(path, e))?
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    v.header(&headers)?;
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => v.row(&Cells::Csv(&rec))?,
            Ok(false) => return Ok(()),
            Err(e) => return Err(io(path, e)),
        }
    }
}

fn read_parquet(path: &Path, v: &mut dyn Visitor) -> Result<(), SimError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let f = File::open(path).map_err(|e| io(path, e))?;
    let reader = SerializedFileReader::new(f).map_err(|e| io(path, e))?;
    let headers: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    v.header(&headers)?;
    let mut cells: Vec<String> = vec![String::new(); headers.len()];
    let rows = reader.get_row_iter(None).map_err(|e| io(path, e))?;
    for row in rows {
        let row = row.map_err(|e| io(path, e))?;
        for c in cells.iter_mut() {
            c.clear();
        }
        for (i, (_, field)) in row.get_column_iter().enumerate() {
            let Some(c) = cells.get_mut(i) else { break };
            use std::fmt::Write;
            let _ = match field {
                Field::Null => Ok(()),
                Field::Str(s) => {
                    c.push_str(s);
                    Ok(())
                }
                Field::Date(d) => match time::Date::from_julian_day(2_440_588 + *d) {
                    Ok(d) => write!(c, "{d}"),
                    Err(_) => write!(c, "{d}"),
                },
                Field::TimestampMillis(ms) => write_ts(c, ms.div_euclid(86_400_000)),
                Field::TimestampMicros(us) => write_ts(c, us.div_euclid(86_400_000_000)),
                other => write!(c, "{other}"),
            };
        }
        v.row(&Cells::Strings(&cells))?;
    }
    Ok(())
}

fn write_ts(c: &mut String, days: i64) -> std::fmt::Result {
    use std::fmt::Write;
    match i32::try_from(days)
        .ok()
        .and_then(|d| time::Date::from_julian_day(2_440_588 + d).ok())
    {
        Some(d) => write!(c, "{d}"),
        None => write!(c, "{days}"),
    }
}

// Long on purpose: one pass over the sheet's XML events; cells, shared strings and rows share the parser's state.
fn read_xlsx(path: &Path, sheet: Option<&str>, v: &mut dyn Visitor) -> Result<(), SimError> {
    use calamine::{DataRef, Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook(path).map_err(|e| io(path, e))?;
    let names = wb.sheet_names();
    let sheet = match sheet {
        Some(s) => s.to_string(),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| io(path, "the workbook has no sheets"))?,
    };
    if !names.contains(&sheet) {
        return Err(SimError::Input(format!(
            "{}: no sheet `{sheet}`; sheets: {}",
            path.display(),
            names.join(", ")
        )));
    }
    // The cell reader streams the sheet's XML instead of building the whole range.
    let mut cr = wb.worksheet_cells_reader(&sheet).map_err(|e| io(path, e))?;
    let mut header: Option<Vec<String>> = None;
    let mut first_row: Option<u32> = None;
    let mut cur_row: Option<u32> = None;
    let mut cells: Vec<String> = Vec::new();
    let first_col = cr.dimensions().start.1;
    let flush = |header: &mut Option<Vec<String>>,
                 cells: &mut Vec<String>,
                 v: &mut dyn Visitor|
     -> Result<(), SimError> {
        match header {
            None => {
                while cells.last().is_some_and(|c| c.is_empty()) {
                    cells.pop();
                }
                let h: Vec<String> = cells.iter().map(|s| s.trim().to_string()).collect();
                v.header(&h)?;
                *header = Some(h);
            }
            Some(h) => {
                cells.resize(h.len().max(cells.len()), String::new());
                v.row(&Cells::Strings(cells))?;
            }
        }
        for c in cells.iter_mut() {
            c.clear();
        }
        Ok(())
    };
    while let Some(cell) = cr.next_cell().map_err(|e| io(path, e))? {
        let (r, c) = cell.get_position();
        if first_row.is_none() {
            first_row = Some(r);
        }
        if cur_row.is_some_and(|cr| cr != r) {
            // Rows with no cells at all between two rows are blank rows of the sheet.
            flush(&mut header, &mut cells, v)?;
        }
        cur_row = Some(r);
        let ci = c.saturating_sub(first_col) as usize;
        if cells.len() <= ci {
            cells.resize(ci + 1, String::new());
        }
        let out = &mut cells[ci];
        use std::fmt::Write;
        let _ = match cell.get_value() {
            DataRef::Empty => Ok(()),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                out.push_str(s);
                Ok(())
            }
            DataRef::SharedString(s) => {
                out.push_str(s);
                Ok(())
            }
            DataRef::Int(i) => write!(out, "{i}"),
            DataRef::Float(f) => write_num(out, *f),
            DataRef::Bool(b) => write!(out, "{b}"),
            DataRef::DateTime(d) => write_num(out, d.as_f64()),
            DataRef::Error(e) => write!(out, "#{e:?}"),
        };
    }
    if cur_row.is_some() {
        flush(&mut header, &mut cells, v)?;
    }
    if header.is_none() {
        return Err(io(path, format!("sheet `{sheet}` is empty")));
    }
    Ok(())
}

fn write_num(out: &mut String, f: f64) -> std::fmt::Result {
    use std::fmt::Write;
    if f.fract() == 0.0 && f.abs() < 1e15 {
        write!(out, "{}", f as i64)
    } else {
        write!(out, "{f}")
    }
}
