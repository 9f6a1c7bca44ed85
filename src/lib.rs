//! mingzhang (明账): the open ledger for community-run property companies and the village
//! collectives that own them. See DESIGN.md for the domain and its invariants.

pub mod chart;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod ledger;
pub mod pdf;
pub mod receivables;
pub mod report;
pub mod store;
pub mod verify;

pub use error::{Error, Result};
