//! Fee papers: receipts (收据) and dunning notices (催缴通知单) as PDF.
pub mod dunning;
pub mod receipt;
