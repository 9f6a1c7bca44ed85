//! mingzhang (明账): the open ledger for community-run property companies and the village
//! collectives that own them. See DESIGN.md for the domain and its invariants.
//!
//! The code is laid out in wings, one per capability, each holding its own rules, rows and SQL,
//! reports and paper: `ledger` (books, vouchers, the chain), `fees` (households, billing,
//! payments), `subsidies`, `spending`, `public_revenue`, `collective`, `disclosure`, `access` and
//! `http`.
//! Shared rooms: `domain` (pure nouns), `store` (engines and transactions), `report` (the
//! statement engine), `render` (PDF), `import` (CSV/XLSX tables) and `cli`.

// The API description is one large serde_json::json! literal (src/http/api/openapi.rs).
#![recursion_limit = "512"]

pub mod access;
pub mod app;
pub mod assets;
pub mod cli;
pub mod collective;
pub mod disclosure;
pub mod doctor;
pub mod domain;
pub use domain::error;
pub mod fees;
pub mod http;
pub mod import;
pub mod ledger;
pub mod public_revenue;
pub mod render;
pub mod report;
pub mod spending;
pub mod store;
pub mod subsidies;
pub mod verify;

pub use error::{Error, Result};
