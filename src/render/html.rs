//! The pages' HTML: the templates (minijinja, compiled into the binary, HTML escaped
//! automatically) with the site's static assets, each served under a path that names its
//! content so browsers may keep it for a year. Figures print with the same grouping as the
//! terminal and PDF tables (`table::money_grouped`). The web server (`http::views`) serves
//! what this renders.

use std::collections::HashMap;
use std::sync::LazyLock;

use minijinja::Environment;
use sha2::{Digest, Sha256};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("html/base.html")),
    ("error.html", include_str!("html/error.html")),
    ("index.html", include_str!("html/index.html")),
    ("login.html", include_str!("html/login.html")),
    ("public.html", include_str!("html/public.html")),
    ("disclosures.html", include_str!("html/disclosures.html")),
    ("disclosure.html", include_str!("html/disclosure.html")),
    ("verify.html", include_str!("html/verify.html")),
    ("publishing.html", include_str!("html/publishing.html")),
    ("members.html", include_str!("html/members.html")),
    ("resident.html", include_str!("html/resident.html")),
    ("home.html", include_str!("html/home.html")),
    ("cashier.html", include_str!("html/cashier.html")),
    ("household.html", include_str!("html/household.html")),
    ("receipt.html", include_str!("html/receipt.html")),
    ("takings.html", include_str!("html/takings.html")),
    ("dunning.html", include_str!("html/dunning.html")),
    ("office.html", include_str!("html/office.html")),
    ("users.html", include_str!("html/users.html")),
    ("user.html", include_str!("html/user.html")),
    ("audit.html", include_str!("html/audit.html")),
    ("vouchers.html", include_str!("html/vouchers.html")),
    ("voucher_new.html", include_str!("html/voucher_new.html")),
    ("voucher.html", include_str!("html/voucher.html")),
    ("billing.html", include_str!("html/billing.html")),
    ("households_import.html", include_str!("html/households_import.html")),
    ("report.html", include_str!("html/report.html")),
    ("subsidies.html", include_str!("html/subsidies.html")),
    ("reconciliation.html", include_str!("html/reconciliation.html")),
    ("public_revenue.html", include_str!("html/public_revenue.html")),
    ("collective.html", include_str!("html/collective.html")),
    ("distribution.html", include_str!("html/distribution.html")),
];

/// The static assets: name, content type and content. Each is served under a path that
/// names its content ("/static/<first 12 hex of its SHA-256>/<name>"), kept for a year.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("style.css", "text/css; charset=utf-8", include_str!("html/style.css")),
    // 返回 on an error page, as the site's CSP allows (no inline script).
    ("back.js", "text/javascript; charset=utf-8", include_str!("html/back.js")),
    // The till: the amount follows the ticked bills; a large amount asks again.
    ("till.js", "text/javascript; charset=utf-8", include_str!("html/till.js")),
    // The voucher form's running 借贷差额.
    ("voucher.js", "text/javascript; charset=utf-8", include_str!("html/voucher.js")),
    ("favicon.svg", "image/svg+xml", include_str!("html/favicon.svg")),
];

/// Each asset's path, by name.
static ASSET_PATHS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(name, _, body)| (*name, format!("/static/{}/{name}", &hex::encode(Sha256::digest(body.as_bytes()))[..12])))
        .collect()
});

/// "/static/<version>/<name>" of asset `name` (one of `ASSETS`).
pub fn asset_path(name: &str) -> &'static str {
    ASSET_PATHS.get(name).map(String::as_str).expect("an asset of ASSETS")
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source).expect("templates compile (checked by the unit test)");
    }
    env.add_global("style_path", asset_path("style.css"));
    env.add_global("back_path", asset_path("back.js"));
    env.add_global("till_path", asset_path("till.js"));
    env.add_global("voucher_path", asset_path("voucher.js"));
    env.add_global("favicon_path", asset_path("favicon.svg"));
    // "1234.56" (a Fen as serialised) → "1,234.56": figures read with thousands separators.
    env.add_filter("money", |v: String| match crate::domain::money::Fen::parse(&v) {
        Ok(fen) => super::table::money_grouped(fen.0),
        Err(_) => v,
    });
    env
});

/// Template `name` rendered with `context`.
pub fn render(name: &str, context: impl serde::Serialize) -> Result<String, minijinja::Error> {
    ENV.get_template(name)?.render(context)
}

/// The page of an error, in the layout `layout` gives (the signed-in user's header) or the
/// bare one; plain text should the error template itself fail.
pub fn error_page(status: u16, message: &str, field: Option<&str>, layout: Option<minijinja::Value>) -> String {
    let context = minijinja::context! { title => "出错了", status, message, field, ..layout.unwrap_or_default() };
    render("error.html", context).unwrap_or_else(|_| message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name}");
        }
        let page = error_page(404, "<script>alert(1)</script>", None, None);
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>alert"));
    }

    #[test]
    fn a_residents_figures_carry_thousands_separators() {
        let bill =
            minijinja::context! { period => "2025-01", fee_item => "物业服务费", amount => "1234.50", paid => "0.00", open => "1234.50" };
        let payment = minijinja::context! { paid_on => "2025-01-20", receipt => "No.000001", method => "现金", amount => "12345.60", voided => false };
        let statement = minijinja::context! {
            household => "1-1-101", owner_name => "张三", open => "1234.50", prepaid => "12345.60", as_of => "2025-01-31",
            bills => vec![bill], payments => vec![payment],
        };
        let page =
            render("resident.html", minijinja::context! { community => minijinja::context! { id => 1, name => "甲" }, statement }).unwrap();
        assert!(page.contains("1,234.50") && page.contains("12,345.60") && !page.contains("1234.50"), "{page}");
    }
}
