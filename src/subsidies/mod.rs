//! Subsidies (补贴): programs granted by the district, their disbursements (拨付) as the
//! finance office records them, the company's receipts (到账), the spending tagged to them
//! (使用), and the reconciliation (对账) that both sides sign.

pub mod reconcile;
