//! The pure core: no I/O, testable without a database.
pub mod account;
pub mod billing;
pub mod capital;
pub mod limits;
pub mod money;
pub mod period;
pub mod voucher;
