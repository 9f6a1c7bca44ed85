//! The fee wing's kinds: of household, of fee basis, and of the maintained figures. Stored by
//! their codes (the schema's CHECK constraints list them).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdKind {
    Residential,
    Commercial,
    Garage,
    Parking,
    /// 储藏室: only ever a unit held by a household (`units`), never a household of its own.
    Storage,
}

impl HouseholdKind {
    /// Accepts the Chinese words an office's spreadsheet uses, or the English codes.
    pub fn parse(text: &str) -> Option<HouseholdKind> {
        Some(match text.trim() {
            "住宅" | "residential" => HouseholdKind::Residential,
            "商铺" | "商业" | "commercial" => HouseholdKind::Commercial,
            "车库" | "garage" => HouseholdKind::Garage,
            "车位" | "parking" => HouseholdKind::Parking,
            "储藏室" | "杂物间" | "storage" => HouseholdKind::Storage,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HouseholdKind::Residential => "residential",
            HouseholdKind::Commercial => "commercial",
            HouseholdKind::Garage => "garage",
            HouseholdKind::Parking => "parking",
            HouseholdKind::Storage => "storage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HouseholdKind::Residential => "住宅",
            HouseholdKind::Commercial => "商铺",
            HouseholdKind::Garage => "车库",
            HouseholdKind::Parking => "车位",
            HouseholdKind::Storage => "储藏室",
        }
    }

    /// Whether a unit held by a household (车位, 车库, 储藏室) can be of this kind.
    pub fn is_unit_kind(self) -> bool {
        matches!(self, HouseholdKind::Parking | HouseholdKind::Garage | HouseholdKind::Storage)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeBasis {
    /// 元/m²/月 × 建筑面积.
    PerM2Month,
    /// 元/月.
    FixedMonth,
    /// (本月读数 − 上月读数) × 单价.
    Metered,
}

impl FeeBasis {
    pub fn parse(text: &str) -> Option<FeeBasis> {
        Some(match text.trim() {
            "per_m2_month" | "按面积" => FeeBasis::PerM2Month,
            "fixed_month" | "固定" => FeeBasis::FixedMonth,
            "metered" | "按用量" => FeeBasis::Metered,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FeeBasis::PerM2Month => "per_m2_month",
            FeeBasis::FixedMonth => "fixed_month",
            FeeBasis::Metered => "metered",
        }
    }

    /// How a standard's unit reads in the 明码标价 list.
    pub fn label(self) -> &'static str {
        match self {
            FeeBasis::PerM2Month => "元/m²/月",
            FeeBasis::FixedMonth => "元/月",
            FeeBasis::Metered => "元/单位用量",
        }
    }
}

/// What a row of the maintained per-building figures counts: bills, or what settled them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Billed,
    Paid,
    Waived,
    /// A bill cancelled by a reversal of its billing run (冲销计费).
    Cancelled,
}

impl FlowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Billed => "billed",
            FlowKind::Paid => "paid",
            FlowKind::Waived => "waived",
            FlowKind::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<FlowKind> {
        match text {
            "billed" => Some(FlowKind::Billed),
            "paid" => Some(FlowKind::Paid),
            "waived" => Some(FlowKind::Waived),
            "cancelled" => Some(FlowKind::Cancelled),
            _ => None,
        }
    }

    /// How the figures are named on screens and in `verify`'s findings.
    pub fn label(self) -> &'static str {
        match self {
            FlowKind::Billed => "应收",
            FlowKind::Paid => "收款",
            FlowKind::Waived => "减免",
            FlowKind::Cancelled => "冲销",
        }
    }
}
