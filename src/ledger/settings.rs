//! A book's settings that the fee wing reads: how payments are posted, and VAT.

use rust_decimal::Decimal;

/// How a book posts its payments: a voucher each (逐笔), or one per day and method (日结).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentVouchers {
    Each,
    Daily,
}

impl PaymentVouchers {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentVouchers::Each => "each",
            PaymentVouchers::Daily => "daily",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentVouchers> {
        match text.trim() {
            "each" | "逐笔" => Some(PaymentVouchers::Each),
            "daily" | "日结" => Some(PaymentVouchers::Daily),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentVouchers::Each => "逐笔",
            PaymentVouchers::Daily => "日结",
        }
    }
}

/// The book's VAT status (增值税纳税人类型). 小规模纳税人 books 应交税费—应交增值税 at the
/// 征收率; 一般纳税人 books 应交税费—应交增值税（销项税额）at the rate, under the
/// 财会〔2016〕22号 layout the setting adds to the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VatScheme {
    /// Bills carry no VAT (the books before this setting, or a collective's).
    None,
    Small,
    General,
}

impl VatScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            VatScheme::None => "none",
            VatScheme::Small => "small",
            VatScheme::General => "general",
        }
    }

    pub fn parse(text: &str) -> Option<VatScheme> {
        match text.trim() {
            "none" | "不计税" => Some(VatScheme::None),
            "small" | "小规模" | "小规模纳税人" => Some(VatScheme::Small),
            "general" | "一般" | "一般纳税人" => Some(VatScheme::General),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VatScheme::None => "不计增值税",
            VatScheme::Small => "小规模纳税人",
            VatScheme::General => "一般纳税人",
        }
    }
}

/// A book's VAT as billing applies it: the scheme and the rate in percent (6 for 6 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vat {
    pub scheme: VatScheme,
    pub rate_percent: Decimal,
}

/// Whether a book's cash lines must each have an item that the counterpart or the accountant
/// decides (a book setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CashFlowItems {
    /// An undecided counterpart falls to lines 2 and 6 (收到/支付其他与经营活动有关的现金).
    Derived,
    /// An undecided counterpart is refused unless the accountant assigns the item.
    Required,
}

impl CashFlowItems {
    pub fn as_str(self) -> &'static str {
        match self {
            CashFlowItems::Derived => "derived",
            CashFlowItems::Required => "required",
        }
    }

    pub fn parse(text: &str) -> Option<CashFlowItems> {
        match text.trim() {
            "derived" | "自动" => Some(CashFlowItems::Derived),
            "required" | "必须指定" => Some(CashFlowItems::Required),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CashFlowItems::Derived => "按对方科目自动判定，无法判定的列入经营活动“其他”",
            CashFlowItems::Required => "对方科目无法判定的须手工指定",
        }
    }
}
