//! The black-box suite as one test binary: each file of the folder is a feature's tests, and
//! `common` their shared helpers. One binary links the crate once, where a binary per file
//! linked it thirty times over (most of `cargo test`'s build). Run one feature with
//! `cargo test --test suite fees::`.

#[macro_use]
mod common;
mod assets;
mod backup;
mod browser;
mod cash_flow;
mod citus;
mod cli;
mod collective;
mod concurrency;
mod constraints;
mod corrections;
mod crash;
mod daily;
mod database_edge;
mod disclosure;
mod errors;
mod fee_properties;
mod fees;
mod fuzz;
mod golden;
mod hledger;
mod income_statement;
mod limits;
mod matrix;
mod migration;
mod month;
mod periods;
mod properties;
mod public_revenue;
mod reports;
mod reversals;
mod sealing;
mod sharding;
mod spending;
mod subsidies;
mod tamper;
mod till;
mod units;
mod vat;
mod vouchers;
mod web;
mod wing_seals;
