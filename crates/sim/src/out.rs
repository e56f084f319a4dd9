//! Output files: per-row decisions (CSV and Parquet, written in bounded
//! batches) and small CSV tables.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;

use bytes::Bytes;

use crate::cache::Detail;
use crate::summary::OUTCOMES;
use crate::SimError;

/// Which per-row files a run writes.
#[derive(Clone, Copy, Debug)]
pub struct RowsOut {
    pub csv: bool,
    pub parquet: bool,
}

/// Rows buffered before a Parquet row group is written.
const BATCH: usize = 1 << 16;

fn io(path: &Path, e: impl std::fmt::Display) -> SimError {
    SimError::Io(format!("{}: {e}", path.display()))
}

pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    std::fs::write(path, bytes).map_err(|e| io(path, e))
}

pub fn write_csv(
    path: &Path,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<String, SimError> {
    let mut w = csv::Writer::from_path(path).map_err(|e| io(path, e))?;
    w.write_record(header).map_err(|e| io(path, e))?;
    for r in rows {
        w.write_record(&r).map_err(|e| io(path, e))?;
    }
    w.flush().map_err(|e| io(path, e))?;
    Ok(path.display().to_string())
}

/// The text columns of a per-row decision, after `row` and before the kept source columns.
const TEXT: [&str; 6] = [
    "law",
    "outcome",
    "provisions",
    "missing_facts",
    "possible_outcomes",
    "note",
];

fn schema(kept: &[String]) -> parquet::schema::types::Type {
    use parquet::basic::{ConvertedType, Repetition, Type as Phys};
    use parquet::schema::types::Type;
    let mut fields = vec![Arc::new(
        Type::primitive_type_builder("row", Phys::INT64)
            .with_repetition(Repetition::REQUIRED)
            .build()
            .expect("a fixed column"),
    )];
    for name in TEXT
        .iter()
        .map(|s| s.to_string())
        .chain(kept.iter().cloned())
    {
        fields.push(Arc::new(
            Type::primitive_type_builder(&name, Phys::BYTE_ARRAY)
                .with_repetition(Repetition::REQUIRED)
                .with_converted_type(ConvertedType::UTF8)
                .build()
                .expect("a text column"),
        ));
    }
    Type::group_type_builder("decisions")
        .with_fields(fields)
        .build()
        .expect("a flat schema")
}

struct Pq {
    path: std::path::PathBuf,
    w: SerializedFileWriter<BufWriter<File>>,
    row: Vec<i64>,
    text: Vec<Vec<ByteArray>>,
    /// The laws' labels and the outcomes' names, shared by every row that has them.
    laws: Vec<Bytes>,
    outcomes: [Bytes; OUTCOMES.len()],
}

pub(crate) struct RowWriter {
    csv: Option<(std::path::PathBuf, csv::Writer<BufWriter<File>>)>,
    pq: Option<Pq>,
    laws: Vec<String>,
}

impl RowWriter {
    /// `kept`: the source columns carried along, by their header in the input;
    /// `laws`: the labels of the run's laws, by index.
    pub(crate) fn create(
        dir: &Path,
        rows: RowsOut,
        kept: &[String],
        laws: Vec<String>,
    ) -> Result<RowWriter, SimError> {
        for k in kept {
            if k == "row" || TEXT.contains(&k.as_str()) {
                return Err(SimError::Input(format!(
                    "--keep `{k}`: the per-row output has a column of that name already"
                )));
            }
        }
        let csv = if rows.csv {
            let path = dir.join("decisions.csv");
            let f = File::create(&path).map_err(|e| io(&path, e))?;
            let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f));
            let header: Vec<&str> = std::iter::once("row")
                .chain(TEXT)
                .chain(kept.iter().map(String::as_str))
                .collect();
            w.write_record(&header).map_err(|e| io(&path, e))?;
            Some((path, w))
        } else {
            None
        };
        let pq = if rows.parquet {
            let path = dir.join("decisions.parquet");
            let f = File::create(&path).map_err(|e| io(&path, e))?;
            let schema = Arc::new(schema(kept));
            // Min and max of the text columns (laws, citations, notes) would tell
            // a reader nothing worth a comparison of every value; the row
            // number's statistics are kept, for readers that skip row groups.
            let props = Arc::new(
                WriterProperties::builder()
                    .set_created_by(format!("brightline {}", brightline::ENGINE_VERSION))
                    .set_statistics_enabled(EnabledStatistics::None)
                    .set_column_statistics_enabled(ColumnPath::from("row"), EnabledStatistics::Page)
                    .build(),
            );
            let w = SerializedFileWriter::new(BufWriter::with_capacity(1 << 16, f), schema, props)
                .map_err(|e| io(&path, e))?;
            Some(Pq {
                path,
                w,
                row: Vec::with_capacity(BATCH),
                text: vec![Vec::new(); TEXT.len() + kept.len()],
                laws: laws.iter().map(|l| Bytes::from(l.clone())).collect(),
                outcomes: OUTCOMES.map(|o| Bytes::from_static(o.as_bytes())),
            })
        } else {
            None
        };
        Ok(RowWriter { csv, pq, laws })
    }

    /// One row's decision under law `law` (an index into the run's laws):
    /// `outcome` an index into [`OUTCOMES`], `detail` the full decision of a
    /// decided row, `note` why a row was not decided.
    pub(crate) fn write(
        &mut self,
        row: u64,
        law: usize,
        outcome: usize,
        detail: Option<&Detail>,
        note: &str,
        kept: &[String],
    ) -> Result<(), SimError> {
        let (prov, missing, possible) = match detail {
            Some(d) => (&*d.provisions, &*d.missing_joined, &*d.possible_joined),
            None => ("", "", ""),
        };
        let fixed = [
            self.laws[law].as_str(),
            OUTCOMES[outcome],
            prov,
            missing,
            possible,
            note,
        ];
        if let Some((path, w)) = &mut self.csv {
            let b = row.to_string();
            for f in std::iter::once(b.as_str())
                .chain(fixed)
                .chain(kept.iter().map(String::as_str))
            {
                w.write_field(f).map_err(|e| io(path, e))?;
            }
            w.write_record(None::<&[u8]>).map_err(|e| io(path, e))?;
        }
        if let Some(pq) = &mut self.pq {
            pq.row.push(row as i64);
            let shared = |k: usize| detail.map_or_else(Bytes::new, |d| d.cells[k].clone());
            let cells = [
                pq.laws[law].clone(),
                pq.outcomes[outcome].clone(),
                shared(0),
                shared(1),
                shared(2),
            ];
            let shared_cells = cells.len();
            for (i, b) in cells.into_iter().enumerate() {
                pq.text[i].push(ByteArray::from(b));
            }
            // The note and the source's own cells differ from row to row: copied.
            let rest = std::iter::once(note).chain(kept.iter().map(String::as_str));
            for (i, s) in rest.enumerate() {
                pq.text[shared_cells + i].push(ByteArray::from(s));
            }
            if pq.row.len() >= BATCH {
                pq.flush()?;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<String>, SimError> {
        let mut files = Vec::new();
        if let Some((path, mut w)) = self.csv.take() {
            w.flush().map_err(|e| io(&path, e))?;
            files.push(path.display().to_string());
        }
        if let Some(mut pq) = self.pq.take() {
            pq.flush()?;
            let path = pq.path.clone();
            pq.w.close().map_err(|e| io(&path, e))?;
            files.push(path.display().to_string());
        }
        Ok(files)
    }
}

impl Pq {
    fn flush(&mut self) -> Result<(), SimError> {
        if self.row.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let mut rg = self.w.next_row_group().map_err(|e| io(&path, e))?;
        let mut col = 0;
        while let Some(mut c) = rg.next_column().map_err(|e| io(&path, e))? {
            if col == 0 {
                c.typed::<Int64Type>()
                    .write_batch(&self.row, None, None)
                    .map_err(|e| io(&path, e))?;
            } else {
                c.typed::<ByteArrayType>()
                    .write_batch(&self.text[col - 1], None, None)
                    .map_err(|e| io(&path, e))?;
            }
            c.close().map_err(|e| io(&path, e))?;
            col += 1;
        }
        rg.close().map_err(|e| io(&path, e))?;
        self.row.clear();
        for t in &mut self.text {
            t.clear();
        }
        Ok(())
    }
}

impl Drop for RowWriter {
    fn drop(&mut self) {
        if let Some((_, w)) = &mut self.csv {
            let _ = w.flush();
        }
    }
}
