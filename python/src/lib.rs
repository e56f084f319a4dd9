//! `import brightline`: the decision contract, Arrow tables and simulations from Python.
//!
//! Tables cross the boundary through the Arrow C data interface (pyarrow's
//! `__arrow_c_stream__`), so the input's columns are neither copied nor
//! converted on the way in, and come back out in the result as the same buffers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, StringBuilder, UInt32Array, UInt64Array};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::pyarrow::{FromPyArrow, IntoPyArrow, Table};
use arrow::record_batch::RecordBatch;
use brightline::{Library, Outcome};
use brightline_sim::bounds::{Engine, OutcomeSet, Possible};
use brightline_sim::run::OUTCOMES;
use brightline_sim::{LawSpec, Options, RowsOut};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use serde_json::{Map, Value};

fn library() -> PyResult<&'static Library> {
    brightline::bundled().map_err(|d| {
        PyRuntimeError::new_err(format!(
            "the bundled law packs do not load: {}",
            d.first().map(|x| x.message.clone()).unwrap_or_default()
        ))
    })
}

fn value_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Decides one request given as a dict of the JSON contract; returns the decision as a dict.
#[pyfunction]
fn decide<'py>(py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let json = py.import("json")?;
    let text: String = json.call_method1("dumps", (request,))?.extract()?;
    let v: Value = serde_json::from_str(&text).map_err(value_err)?;
    let d = library()?
        .decide_json(&v)
        .map_err(|e| PyValueError::new_err(format!("{}: {}", e.field, e.message)))?;
    let out = serde_json::to_string(&d).map_err(value_err)?;
    json.call_method1("loads", (out,))
}

fn set_path(obj: &mut Map<String, Value>, path: &str, v: Value) {
    match path.split_once('.') {
        None => {
            obj.insert(path.to_string(), v);
        }
        Some((head, rest)) => {
            let child = obj
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = child {
                set_path(m, rest, v);
            }
        }
    }
}

/// One cell of a contract column as JSON: strings that hold JSON lists or
/// objects (convictions, information) are parsed, other scalars pass as they are.
fn cell(col: &ArrayRef, text: &StringArray, i: usize) -> Option<Value> {
    if col.is_null(i) {
        return None;
    }
    match col.data_type() {
        DataType::Boolean => {
            let b = col.as_any().downcast_ref::<arrow::array::BooleanArray>()?;
            Some(Value::Bool(b.value(i)))
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => text.value(i).parse::<i64>().ok().map(Value::from),
        _ => {
            let s = text.value(i);
            if s.starts_with('[') || s.starts_with('{') {
                serde_json::from_str(s).ok()
            } else {
                Some(Value::String(s.to_string()))
            }
        }
    }
}

fn as_text(col: &ArrayRef) -> PyResult<StringArray> {
    let c = cast(col, &DataType::Utf8).map_err(value_err)?;
    c.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(|| PyValueError::new_err("a column could not be read as text"))
}

fn possible_text(bits: u8) -> String {
    OutcomeSet(bits).names().join("|")
}

/// Appends the decision columns to a batch whose own columns are passed through untouched.
fn with_columns(
    batch: &RecordBatch,
    keep: Option<&UInt32Array>,
    extra: Vec<(&str, ArrayRef)>,
) -> PyResult<RecordBatch> {
    let schema = batch.schema();
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    let mut cols: Vec<ArrayRef> = match keep {
        None => batch.columns().to_vec(),
        Some(idx) => batch
            .columns()
            .iter()
            .map(|c| take(c.as_ref(), idx, None))
            .collect::<Result<_, _>>()
            .map_err(value_err)?,
    };
    for (name, col) in extra {
        if schema.field_with_name(name).is_ok() {
            return Err(PyValueError::new_err(format!(
                "the table already has a column `{name}`; rename it first"
            )));
        }
        fields.push(Arc::new(Field::new(name, col.data_type().clone(), true)));
        cols.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(value_err)
}

/// One contract column read once, column-wise: each row's cell as a code into the column's
/// distinct values, each distinct value converted to its JSON form once.
struct CodedColumn {
    path: String,
    /// Per row: index into `values`, or `u32::MAX` for a null cell.
    codes: Vec<u32>,
    /// None: a cell that is not read (as `cell` says), so the field is left out.
    values: Vec<Option<Value>>,
}

impl CodedColumn {
    fn read(path: &str, col: &ArrayRef) -> PyResult<CodedColumn> {
        let text = as_text(col)?;
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut values = Vec::new();
        let mut codes = Vec::with_capacity(col.len());
        for i in 0..col.len() {
            if col.is_null(i) {
                codes.push(u32::MAX);
                continue;
            }
            let code = match index.get(text.value(i)) {
                Some(&c) => c,
                None => {
                    let c = values.len() as u32;
                    values.push(cell(col, &text, i));
                    index.insert(text.value(i), c);
                    c
                }
            };
            codes.push(code);
        }
        Ok(CodedColumn {
            path: path.to_string(),
            codes,
            values,
        })
    }
}

/// A row's outcome and possible outcomes, or the contract's error for it.
type Decided = Result<(Outcome, u8), String>;

/// Decides a batch whose columns are request fields (`request.kind`, `subject.tsdb_match`, …).
///
/// Columnar: every contract column is read once into codes of its distinct values; a row is
/// the tuple of its codes, and each distinct tuple is decoded into facts (by the contract's own
/// decoder, so every check and message is the one `decide` gives) and decided once.
// Long on purpose: one pass over the Arrow columns, reading each contract field's column type once.
fn contract_batch(
    lib: &Library,
    batch: &RecordBatch,
    spec: &LawSpec,
    agency: Option<&str>,
) -> PyResult<RecordBatch> {
    let schema = batch.schema();
    // Other columns (identifiers, the researcher's own) ride along untouched.
    let cols: Vec<CodedColumn> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .filter(|(f, _)| {
            let n = f.name().as_str();
            matches!(n, "jurisdiction" | "agency" | "date")
                || n.starts_with("request.")
                || n.starts_with("subject.")
        })
        .map(|(f, c)| CodedColumn::read(f.name(), c))
        .collect::<PyResult<_>>()?;
    let decide_tuple = |key: &[u32]| -> Decided {
        let mut obj = Map::new();
        if let Some(j) = &spec.jurisdiction {
            obj.insert("jurisdiction".into(), Value::String(j.clone()));
        }
        if let Some(d) = spec.date {
            obj.insert("date".into(), Value::String(d.to_string()));
        }
        if let Some(a) = agency {
            obj.insert("agency".into(), Value::String(a.to_string()));
        }
        for (c, &k) in cols.iter().zip(key) {
            if let Some(Some(v)) = c.values.get(k as usize) {
                set_path(&mut obj, &c.path, v.clone());
            }
        }
        let v = Value::Object(obj);
        let (pack, facts) = lib
            .decode(&v)
            .map_err(|e| format!("{}: {}", e.field, e.message))?;
        let law = lib
            .law_for(pack, &facts)
            .map_err(|e| format!("{}: {}", e.field, e.message))?;
        let o = brightline::outcome(law, &facts);
        let bits = if o == Outcome::Undetermined {
            Engine.possible(law, &facts).0 .0
        } else {
            OutcomeSet::one(o).0
        };
        Ok((o, bits))
    };
    let mut outcome = StringBuilder::new();
    let mut possible = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut memo: HashMap<Box<[u32]>, Decided> = HashMap::new();
    let mut key: Vec<u32> = vec![0; cols.len()];
    for i in 0..batch.num_rows() {
        for (k, c) in key.iter_mut().zip(&cols) {
            *k = c.codes[i];
        }
        let res = match memo.get(key.as_slice()) {
            Some(r) => r,
            None => memo
                .entry(key.clone().into_boxed_slice())
                .or_insert(decide_tuple(&key)),
        };
        match res {
            Ok((o, bits)) => {
                outcome.append_value(o.as_str());
                possible.append_value(possible_text(*bits));
                error.append_null();
            }
            Err(e) => {
                outcome.append_value("invalid");
                possible.append_null();
                error.append_value(e);
            }
        }
    }
    with_columns(
        batch,
        None,
        vec![
            ("outcome", Arc::new(outcome.finish()) as ArrayRef),
            ("possible_outcomes", Arc::new(possible.finish())),
            ("error", Arc::new(error.finish())),
        ],
    )
}

/// Decides a batch of raw records through a profile, as `brightline simulate` does.
fn profile_batch(
    lib: &Library,
    batch: &RecordBatch,
    profile: &brightline_sim::Profile,
    spec: &LawSpec,
    agency: Option<&str>,
) -> PyResult<RecordBatch> {
    let schema = batch.schema();
    let headers: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let texts: Vec<StringArray> = batch
        .columns()
        .iter()
        .map(as_text)
        .collect::<PyResult<_>>()?;
    let rows: Vec<Vec<String>> = (0..batch.num_rows())
        .map(|i| {
            texts
                .iter()
                .map(|t| {
                    if t.is_null(i) {
                        String::new()
                    } else {
                        t.value(i).to_string()
                    }
                })
                .collect()
        })
        .collect();
    let opts = Options {
        laws: vec![spec.clone()],
        agency: agency.map(str::to_string),
        filters: Vec::new(),
        group_by: Vec::new(),
        out_dir: PathBuf::new(),
        rows: RowsOut {
            csv: false,
            parquet: false,
        },
        charts: false,
        progress: false,
        keep: None,
    };
    let r = brightline_sim::decide_rows(lib, profile, &opts, &headers, rows.iter().map(|r| &r[..]))
        .map_err(value_err)?;
    let keep = if r.row.len() == batch.num_rows() {
        None
    } else {
        Some(UInt32Array::from(
            r.row.iter().map(|&n| (n - 1) as u32).collect::<Vec<_>>(),
        ))
    };
    let outcome = StringArray::from_iter_values(r.outcome[0].iter().map(|&o| OUTCOMES[o as usize]));
    let possible = StringArray::from_iter_values(r.possible[0].iter().map(|&b| possible_text(b)));
    let jur = StringArray::from_iter_values(r.jurisdiction[0].iter());
    with_columns(
        batch,
        keep.as_ref(),
        vec![
            ("outcome", Arc::new(outcome) as ArrayRef),
            ("possible_outcomes", Arc::new(possible)),
            ("jurisdiction_decided", Arc::new(jur)),
        ],
    )
}

/// Decides every row of an Arrow table (pyarrow; Polars and pandas through Arrow).
///
/// Without `profile`, columns named by their contract path (`jurisdiction`,
/// `agency`, `date`, `request.kind`, `subject.tsdb_match`, …) make each
/// row's request, and any other column rides along untouched; `law`
/// supplies the jurisdiction and, unless it is `@row`, the date. With
/// `profile` (a shipped profile's name or a path), rows are raw records read
/// as `brightline simulate` reads them. The result is the input's columns,
/// untouched, with `outcome` and `possible_outcomes` added.
#[pyfunction]
#[pyo3(signature = (table, law="us-ny-nyc@2025-11-09", agency=None, profile=None))]
fn decide_batch<'py>(
    py: Python<'py>,
    table: &Bound<'py, PyAny>,
    law: &str,
    agency: Option<&str>,
    profile: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let lib = library()?;
    let spec = LawSpec::parse(law).map_err(value_err)?;
    let t = Table::from_pyarrow_bound(table)?;
    let profile = profile
        .map(brightline_sim::profile::resolve)
        .transpose()
        .map_err(value_err)?;
    if profile.is_none() && spec.jurisdiction.is_none() {
        return Err(PyValueError::new_err(
            "law `profile@…` needs profile=…; or name a jurisdiction, e.g. us-ny-nyc@2025-11-09",
        ));
    }
    let (batches, _) = t.into_inner();
    let out: Vec<RecordBatch> = py.detach(|| {
        batches
            .iter()
            .map(|b| match &profile {
                Some(p) => profile_batch(lib, b, p, &spec, agency),
                None => contract_batch(lib, b, &spec, agency),
            })
            .collect::<PyResult<_>>()
    })?;
    let schema = match out.first() {
        Some(b) => b.schema(),
        None => {
            // An empty table still gets the decision columns.
            let empty = RecordBatch::new_empty(Table::from_pyarrow_bound(table)?.schema());
            let b = match &profile {
                Some(p) => profile_batch(lib, &empty, p, &spec, agency)?,
                None => contract_batch(lib, &empty, &spec, agency)?,
            };
            return Table::try_new(vec![b.clone()], b.schema())
                .map_err(value_err)?
                .into_pyarrow(py);
        }
    };
    Table::try_new(out, schema)
        .map_err(value_err)?
        .into_pyarrow(py)
}

/// Runs `brightline simulate` over a record file and returns the aggregate table
/// (law, outcome, group columns, rows); the full summary, bounds included, is in
/// the schema metadata under `brightline.summary` (JSON). Files go to `out`
/// (a temporary folder by default).
#[pyfunction]
#[pyo3(signature = (path, profile, laws, agency=None, where_=None, group_by=None, out=None))]
#[allow(clippy::too_many_arguments)]
// Long on purpose: the Python signature's options mapped one by one onto the simulator's.
fn simulate<'py>(
    py: Python<'py>,
    path: PathBuf,
    profile: &str,
    laws: Vec<String>,
    agency: Option<String>,
    where_: Option<HashMap<String, Vec<String>>>,
    group_by: Option<Vec<String>>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let lib = library()?;
    let profile = brightline_sim::profile::resolve(profile).map_err(value_err)?;
    let laws = laws
        .iter()
        .map(|l| LawSpec::parse(l))
        .collect::<Result<Vec<_>, _>>()
        .map_err(value_err)?;
    let tmp;
    let out_dir = match out {
        Some(o) => o,
        None => {
            tmp = std::env::temp_dir().join(format!(
                "brightline-py-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            tmp.clone()
        }
    };
    let mut filters: Vec<(String, Vec<String>)> = where_.unwrap_or_default().into_iter().collect();
    filters.sort();
    let opts = Options {
        laws,
        agency,
        filters,
        group_by: group_by.unwrap_or_default(),
        out_dir: out_dir.clone(),
        rows: RowsOut {
            csv: false,
            parquet: false,
        },
        charts: false,
        progress: false,
        keep: None,
    };
    let summary = py
        .detach(|| brightline_sim::simulate(lib, &profile, &path, &opts))
        .map_err(value_err)?;
    let agg = out_dir.join("aggregate.csv");
    let mut r = arrow_csv_reader(&agg)?;
    let json = serde_json::to_string(&summary).map_err(value_err)?;
    let (names, cols) = (&mut r.0, &mut r.1);
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if n == "rows" {
            let v: Vec<u64> = cols[i].iter().map(|s| s.parse().unwrap_or(0)).collect();
            fields.push(Field::new(n, DataType::UInt64, false));
            arrays.push(Arc::new(UInt64Array::from(v)));
        } else {
            fields.push(Field::new(n, DataType::Utf8, false));
            arrays.push(Arc::new(StringArray::from_iter_values(cols[i].iter())));
        }
    }
    let schema = Arc::new(
        Schema::new(fields).with_metadata(HashMap::from([("brightline.summary".into(), json)])),
    );
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(value_err)?;
    if out_dir.starts_with(std::env::temp_dir())
        && out_dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("brightline-py-"))
    {
        let _ = std::fs::remove_dir_all(&out_dir);
    }
    Table::try_new(vec![batch], schema)
        .map_err(value_err)?
        .into_pyarrow(py)
}

/// The aggregate CSV as columns of text.
fn arrow_csv_reader(path: &std::path::Path) -> PyResult<(Vec<String>, Vec<Vec<String>>)> {
    let mut r = csv::Reader::from_path(path).map_err(value_err)?;
    let names: Vec<String> = r
        .headers()
        .map_err(value_err)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut cols = vec![Vec::new(); names.len()];
    for rec in r.records() {
        let rec = rec.map_err(value_err)?;
        for (i, v) in rec.iter().enumerate().take(names.len()) {
            cols[i].push(v.to_string());
        }
    }
    Ok((names, cols))
}

#[pymodule]
#[pyo3(name = "brightline")]
fn init_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(decide, m)?)?;
    m.add_function(wrap_pyfunction!(decide_batch, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add("ENGINE_VERSION", brightline::ENGINE_VERSION)?;
    Ok(())
}
