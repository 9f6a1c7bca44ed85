//! Limits on everything (TigerBeetle style): a limit that is reached is an error with a
//! message, never a silent truncation.

/// A billing run's summary voucher has a receivable and a revenue line per building and fee
/// item: 10,000 lines cover a city-scale community of 1,600 buildings with three fee items.
/// A hand-made voucher never comes near it.
pub const MAX_LINES_PER_VOUCHER: usize = 10_000;
/// 摘要 is printed in a fixed-width column of the voucher form.
pub const MAX_SUMMARY_CHARS: usize = 200;
pub const MAX_ATTACHMENTS: u32 = 9_999;
/// Rows in one imported file (opening balances, households, disbursement lists).
pub const MAX_IMPORT_ROWS: usize = 200_000;
/// Vouchers written in one storage batch; keeps each multi-row INSERT under SQLite's limit of
/// bound parameters and the transaction's memory small.
pub const MAX_VOUCHERS_PER_BATCH: usize = 5_000;
/// The largest floor area of one household or unit: a whole shopping street held by one
/// owner stays below it, and area × rate × months stays far inside i64 fen.
pub const MAX_AREA_M2: i64 = 100_000;
