//! `mz_bills_digest(id, household_id, unit_id, fee_item_id, period, issue, amount_fen, tax_fen)`:
//! an aggregate function of our own in SQLite giving the digest of a run's bills exactly as
//! `BillsSeal::of` computes it in Rust (`bill_bytes` per row), in the order of their ids. The
//! rows come in rowid order from a scan of a rowid range; the function checks that they do
//! (an aggregate's own ORDER BY would sort them again), so a different order is reported, never
//! hashed silently.
//!
//! Why: `verify` reads every bill of the book, ten million in the fee bench. sqlx pays per row
//! and per value on SQLite, and even as one JSON document per run a 300,000-bill run took
//! 0.35 s to build and parse; hashing the rows where they are takes about as long as reading
//! them (0.08 s for a sum of the same columns). This is the one place with FFI, on the pattern
//! of sqlx's own `regexp` function (sqlx-sqlite's regexp.rs).

use std::ffi::c_int;

use libsqlite3_sys as ffi;
use sha2::{Digest, Sha256};

use crate::fees::seal::bill_bytes;

const NAME: &[u8] = b"mz_bills_digest\0";
const ARGS: c_int = 8;
/// What the function gives for rows that are not all integers (a tampered column): no digest
/// written by the program can equal it.
const UNREADABLE: &str = "unreadable";
/// What it gives when the rows did not come in the order of their ids.
pub(crate) const UNORDERED: &str = "unordered";

struct State {
    hasher: Sha256,
    unreadable: bool,
    unordered: bool,
    last_id: i64,
}

impl State {
    fn new() -> State {
        State { hasher: Sha256::new(), unreadable: false, unordered: false, last_id: i64::MIN }
    }
}

/// Registers the function on a connection (again is harmless: it replaces the same one).
/// Returns SQLite's result code.
pub(crate) fn register(db: *mut ffi::sqlite3) -> c_int {
    // SAFETY: `db` is a live connection handle lent by sqlx's `lock_handle`; the name is
    // NUL-terminated; step and finish keep SQLite's aggregate contract below.
    unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            NAME.as_ptr().cast(),
            ARGS,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            None,
            Some(step),
            Some(finish),
            None,
        )
    }
}

/// The aggregate's slot: SQLite keeps a zeroed buffer per group, in which the state's pointer
/// lives from the first row to `finish`.
unsafe fn slot(ctx: *mut ffi::sqlite3_context, allocate: bool) -> *mut *mut State {
    let size = if allocate { std::mem::size_of::<*mut State>() as c_int } else { 0 };
    ffi::sqlite3_aggregate_context(ctx, size).cast()
}

unsafe extern "C" fn step(ctx: *mut ffi::sqlite3_context, n_arg: c_int, args: *mut *mut ffi::sqlite3_value) {
    let slot = slot(ctx, true);
    if slot.is_null() {
        ffi::sqlite3_result_error_nomem(ctx);
        return;
    }
    if (*slot).is_null() {
        *slot = Box::into_raw(Box::new(State::new()));
    }
    let state = &mut **slot;
    if n_arg != ARGS {
        state.unreadable = true;
        return;
    }
    let value = |i: usize| *args.add(i);
    let int = |i: usize| (ffi::sqlite3_value_type(value(i)) == ffi::SQLITE_INTEGER).then(|| ffi::sqlite3_value_int64(value(i)));
    match int(0) {
        Some(id) if id > state.last_id => state.last_id = id,
        _ => state.unordered = true,
    }
    let unit = match ffi::sqlite3_value_type(value(2)) {
        ffi::SQLITE_NULL => Ok(None),
        ffi::SQLITE_INTEGER => Ok(Some(ffi::sqlite3_value_int64(value(2)))),
        _ => Err(()),
    };
    match (int(1), int(3), int(4), int(5), int(6), int(7), unit) {
        (Some(h), Some(item), Some(period), Some(issue), Some(amount), Some(tax), Ok(unit)) => {
            bill_bytes(&mut state.hasher, [h, item, period, issue, amount, tax], unit);
        }
        _ => state.unreadable = true,
    }
}

unsafe extern "C" fn finish(ctx: *mut ffi::sqlite3_context) {
    let slot = slot(ctx, false);
    let state = if slot.is_null() || (*slot).is_null() {
        State::new()
    } else {
        let state = *Box::from_raw(*slot);
        *slot = std::ptr::null_mut();
        state
    };
    let text = match (state.unordered, state.unreadable) {
        (true, _) => UNORDERED.to_string(),
        (_, true) => UNREADABLE.to_string(),
        _ => hex::encode(state.hasher.finalize()),
    };
    ffi::sqlite3_result_text(ctx, text.as_ptr().cast(), text.len() as c_int, ffi::SQLITE_TRANSIENT());
}
