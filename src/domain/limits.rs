//! Limits on everything (TigerBeetle style): a limit that is reached is an error with a
//! message, never a silent truncation.

/// A billing summary voucher has one line per building and fee item plus the receivable line;
/// 2,000 leaves room for the largest communities while keeping a voucher printable.
pub const MAX_LINES_PER_VOUCHER: usize = 2_000;
/// 摘要 is printed in a fixed-width column of the voucher form.
pub const MAX_SUMMARY_CHARS: usize = 200;
pub const MAX_ATTACHMENTS: u32 = 9_999;
/// Rows in one imported file (opening balances, households, disbursement lists).
pub const MAX_IMPORT_ROWS: usize = 200_000;
/// Vouchers written in one storage batch; keeps each multi-row INSERT under SQLite's limit of
/// bound parameters and the transaction's memory small.
pub const MAX_VOUCHERS_PER_BATCH: usize = 5_000;
