//! /api/openapi.json, made from `ROUTES`: one entry per route of the API, with who may call
//! it and the shapes of its body and answer. The black-box tests call every route listed
//! here, so a route documented but not served (or served but refused to everyone) fails.

use axum::Json;
use serde_json::{json, Map, Value};

pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Roles that may call it ("any signed-in user" when empty).
    pub roles: &'static [&'static str],
    /// The request body's schema, for POST.
    pub body: Option<&'static str>,
    pub answer: &'static str,
    /// Takes an Idempotency-Key header.
    pub idempotent: bool,
}

const fn route(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    roles: &'static [&'static str],
    answer: &'static str,
) -> ApiRoute {
    ApiRoute { method, path, summary, roles, body: None, answer, idempotent: false }
}

/// The community's own staff: every role but the street finance office, which reads the
/// community's figures and not its households (Act::ReadHouseholds).
const STAFF: &[&str] = &["admin", "accountant", "reviewer", "cashier", "auditor"];

pub const ROUTES: &[ApiRoute] = &[
    route("get", "/api/v1/communities", "本人可访问的社区", &[], "Communities"),
    route("get", "/api/v1/communities/{community}/households", "查找住户（q：门牌号、业主姓名或手机尾号）", STAFF, "Households"),
    route("get", "/api/v1/communities/{community}/households/{household}", "住户：未缴账单、预收与缴费记录", STAFF, "HouseholdDetail"),
    ApiRoute {
        body: None,
        ..route(
            "post",
            "/api/v1/communities/{community}/households/{household}/code",
            "发放（或重新发放）住户查询码",
            &["cashier"],
            "HouseholdCode",
        )
    },
    ApiRoute {
        body: Some("PaymentIn"),
        idempotent: true,
        ..route(
            "post",
            "/api/v1/communities/{community}/payments",
            "收款：同一 Idempotency-Key 同一请求返回原收据，不同请求 422",
            &["cashier"],
            "Receipt",
        )
    },
    route("get", "/api/v1/communities/{community}/receipts/{number}", "收据", STAFF, "Receipt"),
    ApiRoute {
        body: Some(HOUSEHOLD_FILE),
        ..route(
            "post",
            "/api/v1/communities/{community}/households/import",
            "导入住户清单（请求体为 CSV 或 XLSX 文件）；有错时 422，rows 列出每一错行，未导入任何一行",
            &["accountant"],
            "HouseholdImport",
        )
    },
    ApiRoute {
        body: Some("VoidIn"),
        ..route("post", "/api/v1/communities/{community}/receipts/{number}/void", "作废收据（须批准人密码）", &["cashier"], "Receipt")
    },
    route("get", "/api/v1/communities/{community}/vouchers", "某月凭证（book、period）", &[], "Vouchers"),
    ApiRoute {
        body: Some("VoucherIn"),
        ..route("post", "/api/v1/communities/{community}/vouchers", "制单：录入凭证草稿（book）", &["accountant"], "Drafted")
    },
    route("get", "/api/v1/communities/{community}/vouchers/{id}", "凭证及其分录（book）", &[], "Voucher"),
    ApiRoute {
        body: Some("ActIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/vouchers/{id}/{action}",
            "review 审核、unreview 取消审核、post 记账（审核人），reverse 红字冲销（会计）",
            &["reviewer", "accountant"],
            "Drafted",
        )
    },
    ApiRoute {
        body: Some("BillingIn"),
        ..route("post", "/api/v1/communities/{community}/billing", "计费，或预览（preview：不写入）", &["accountant"], "BillingRun")
    },
    ApiRoute {
        body: Some("CloseIn"),
        ..route("post", "/api/v1/communities/{community}/close", "月末结账，或生成年末结转凭证草稿（year_end）", &["accountant"], "Closed")
    },
    ApiRoute {
        body: Some("DayCloseIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/day-close",
            "日结：审核并记账截至 date（含）待日结的收款、预收抵扣和作废凭证（收款的出纳不能日结）",
            &["reviewer"],
            "DayVouchers",
        )
    },
    route(
        "get",
        "/api/v1/communities/{community}/reports/{kind}",
        "报表：trial-balance、ledger、balance-sheet、income-statement、cash-flow、statement、aging、collection（book、from、to、account、household）",
        &[],
        "Table",
    ),
    route("get", "/api/v1/communities/{community}/takings", "交班日报：某日（date）按收款方式汇总", STAFF, "Takings"),
    route("get", "/api/v1/communities/{community}/collection", "收缴率（from、to：月份）", &[], "Collection"),
    route("get", "/api/v1/office/overview", "街道总览（period：月份）", &["finance_office", "admin", "auditor"], "Overview"),
    route("get", "/api/v1/communities/{community}/subsidies", "补贴项目", &[], "Programs"),
    ApiRoute {
        body: Some("ProgramIn"),
        ..route("post", "/api/v1/communities/{community}/subsidies", "新建补贴项目", &["accountant"], "Program")
    },
    ApiRoute {
        body: Some("DisbursementsIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/subsidies/disbursements",
            "登记拨付（全部登记或全部不登记）",
            &["finance_office"],
            "Recorded",
        )
    },
    ApiRoute {
        body: Some(HOUSEHOLD_FILE),
        ..route(
            "post",
            "/api/v1/communities/{community}/subsidies/disbursements/import",
            "导入拨付清单（CSV 或 XLSX：日期、文号、金额、收款单位、凭证号）",
            &["finance_office"],
            "Recorded",
        )
    },
    ApiRoute {
        body: Some("ReceiptIn"),
        ..route("post", "/api/v1/communities/{community}/subsidies/receipts", "登记补贴到账并记账", &["accountant"], "SubsidyReceipt")
    },
    ApiRoute {
        body: Some("WithdrawIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/subsidies/withdrawals",
            "撤回误录的拨付、到账或支出（已签字对账单所含的不能撤回）",
            &["accountant", "finance_office"],
            "Empty",
        )
    },
    ApiRoute {
        body: Some("ReleaseIn"),
        ..route("post", "/api/v1/communities/{community}/subsidies/release", "结转某月递延收益", &["accountant"], "Releases")
    },
    ApiRoute {
        body: Some("ExpenseIn"),
        ..route("post", "/api/v1/communities/{community}/expenses", "登记支出并记账", &["accountant"], "Expense")
    },
    route("get", "/api/v1/communities/{community}/reconciliations", "对账单列表", &[], "Reconciliations"),
    ApiRoute {
        body: Some("ReconcileIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/reconciliations",
            "生成对账单（from 起，until 当天不含）",
            &["accountant", "reviewer", "finance_office"],
            "Statement",
        )
    },
    route("get", "/api/v1/communities/{community}/reconciliations/{id}", "对账单（format：pdf、xlsx、csv，省略为 JSON）", &[], "Statement"),
    ApiRoute {
        body: Some("SignIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/reconciliations/{id}/sign",
            "在对账单上签字（side：company 物业公司，finance_office 街道财政所）",
            &["accountant", "reviewer", "finance_office"],
            "Statement",
        )
    },
    route(
        "get",
        "/api/v1/office/subsidies",
        "各社区补贴项目的拨付、到账、列支、结余与最近一次对账",
        &["finance_office", "admin", "auditor"],
        "SubsidyOverview",
    ),
    ApiRoute {
        body: Some("BudgetIn"),
        ..route("post", "/api/v1/communities/{community}/budgets", "设定某年某服务类别的预算", &["accountant"], "Empty")
    },
    ApiRoute {
        body: Some("DateIn"),
        ..route("post", "/api/v1/communities/{community}/expenses/{id}/pay", "支付挂应付账款的支出", &["accountant"], "Voucher")
    },
    ApiRoute {
        body: Some("RevenueIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/public-revenue",
            "收取公共收益（记入其他应付款—公共收益）",
            &["accountant"],
            "Voucher",
        )
    },
    ApiRoute {
        body: Some("RuleIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/public-revenue/rules",
            "设定公共收益分成规则（share_permille：‰）",
            &["accountant"],
            "Empty",
        )
    },
    ApiRoute {
        body: Some("UseIn"),
        ..route("post", "/api/v1/communities/{community}/public-revenue/uses", "按决议从公共收益列支", &["accountant"], "Voucher")
    },
    ApiRoute {
        body: Some("PeriodIn"),
        ..route("post", "/api/v1/communities/{community}/public-revenue/split", "按规则生成某月的管理费分成凭证", &["accountant"], "Split")
    },
    ApiRoute {
        body: Some("TransferIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/collective/transfer",
            "物业公司年度利润转入集体经济组织账套",
            &["accountant"],
            "Transfer",
        )
    },
    ApiRoute {
        body: Some(HOUSEHOLD_FILE),
        ..route(
            "post",
            "/api/v1/communities/{community}/collective/roster",
            "导入成员名册（CSV 或 XLSX：成员编号、姓名、户、股数）",
            &["accountant"],
            "Imported",
        )
    },
    ApiRoute {
        body: Some("DistributeIn"),
        ..route(
            "post",
            "/api/v1/communities/{community}/collective/distributions",
            "收益分配方案（公积公益金、福利费按比例，其余按股，尾差按最大余数法）",
            &["accountant"],
            "Distribution",
        )
    },
    route(
        "get",
        "/api/v1/communities/{community}/collective/distributions/{id}",
        "成员收益分配清单（format：csv、xlsx，省略为 JSON）",
        &[],
        "Distribution",
    ),
    ApiRoute {
        body: Some("DateIn"),
        ..route("post", "/api/v1/communities/{community}/collective/distributions/{id}/pay", "发放收益分配", &["accountant"], "Voucher")
    },
    route("get", "/api/v1/users", "用户列表", &["admin"], "Users"),
    ApiRoute { body: Some("UserIn"), ..route("post", "/api/v1/users", "新增用户", &["admin"], "User") },
    ApiRoute {
        body: Some("AccessIn"),
        ..route("post", "/api/v1/users/{username}/access", "重新授予用户的角色、社区与街道（取代原有的）", &["admin"], "User")
    },
    route("get", "/api/v1/audit", "审计日志（community_id、username、action、limit）", &["admin", "auditor"], "AuditRows"),
];

/// The components' schemas, one function per area of the API.
fn schemas() -> Value {
    let mut schemas = Map::new();
    for area in [ledger_schemas(), fee_schemas(), subsidy_and_spending_schemas(), owners_money_schemas(), access_schemas()] {
        let Value::Object(area) = area else { unreachable!("each area's schemas are a JSON object") };
        schemas.extend(area);
    }
    Value::Object(schemas)
}

/// What several areas share (Amount, Error, DateIn) and the books' own: vouchers, closing,
/// reports.
fn ledger_schemas() -> Value {
    let amount = json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,2})?$", "example": "1234.56" });
    json!({
        "Amount": amount,
        "Error": { "type": "object", "required": ["code", "message"], "properties": {
            "code": { "type": "string", "example": "invalid" }, "message": { "type": "string" }, "field": { "type": "string" } } },
        "VoucherIn": { "type": "object", "required": ["date", "lines"], "additionalProperties": false, "properties": {
            "date": { "type": "string", "format": "date" }, "attachments": { "type": "integer" },
            "lines": { "type": "array", "items": { "type": "object", "required": ["account"], "additionalProperties": false, "properties": {
                "summary": { "type": "string" }, "account": { "type": "string" }, "debit": { "$ref": "#/components/schemas/Amount" },
                "credit": { "$ref": "#/components/schemas/Amount" }, "household": { "type": "string" } } } } } },
        "ActIn": { "type": "object", "additionalProperties": false, "properties": { "date": { "type": "string", "format": "date" } } },
        "CloseIn": { "type": "object", "required": ["period"], "additionalProperties": false, "properties": {
            "period": { "type": "string" }, "year_end": { "type": "boolean" } } },
        "DateIn": { "type": "object", "additionalProperties": false, "properties": { "date": { "type": "string", "format": "date" } } },
        "Drafted": { "type": "object", "properties": { "id": { "type": "integer" } } },
        "Voucher": { "type": "object", "properties": {
            "id": { "type": "integer" }, "label": { "type": "string" }, "date": { "type": "string" }, "status": { "type": "string" },
            "maker": { "type": "string" }, "reviewer": { "type": ["string", "null"] }, "poster": { "type": ["string", "null"] },
            "lines": { "type": "array", "items": { "type": "object" } } } },
        "Vouchers": { "type": "array", "items": { "$ref": "#/components/schemas/Voucher" } },
        "Closed": { "type": "object", "properties": { "period": { "type": "string" }, "year_end_voucher": { "type": ["integer", "null"] } } },
        "Table": { "type": "object", "properties": {
            "title": { "type": "string" }, "headers": { "type": "array", "items": { "type": "string" } },
            "rows": { "type": "array", "items": { "type": "array", "items": { "type": "string" } } } } },
    })
}

/// Fees: billing, payments, receipts and their voids, 日结, the household list.
fn fee_schemas() -> Value {
    json!({
        "BillingIn": { "type": "object", "required": ["period"], "additionalProperties": false, "properties": {
            "period": { "type": "string" }, "preview": { "type": "boolean" } } },
        "BillingRun": { "type": "object", "properties": {
            "run": { "type": ["integer", "null"] }, "period": { "type": "string" }, "bills": { "type": "integer" },
            "total": { "$ref": "#/components/schemas/Amount" }, "voucher": { "type": ["string", "null"] },
            "lines": { "type": "array", "items": { "type": "object", "properties": {
                "building": { "type": "string" }, "fee_item": { "type": "string" }, "amount": { "$ref": "#/components/schemas/Amount" },
                "last_month": { "$ref": "#/components/schemas/Amount" }, "change": { "$ref": "#/components/schemas/Amount" } } } } } },
        "PaymentIn": { "type": "object", "required": ["household_id", "amount", "method"], "additionalProperties": false, "properties": {
            "household_id": { "type": "integer" }, "amount": { "$ref": "#/components/schemas/Amount" },
            "method": { "type": "string", "enum": ["cash", "bank", "wechat", "alipay"] },
            "date": { "type": "string", "format": "date" }, "bills": { "type": "array", "items": { "type": "integer" } } } },
        "Receipt": { "type": "object", "properties": {
            "number": { "type": "integer" }, "label": { "type": "string" }, "household": { "type": "string" },
            "amount": { "$ref": "#/components/schemas/Amount" }, "prepaid": { "$ref": "#/components/schemas/Amount" },
            "voucher": { "type": "string" }, "fingerprint": { "type": "string" }, "replayed": { "type": "boolean" }, "voided": { "type": "boolean" } } },
        "VoidIn": { "type": "object", "required": ["reason", "approver", "approver_password"], "additionalProperties": false, "properties": {
            "reason": { "type": "string", "maxLength": 200 }, "approver": { "type": "string" }, "approver_password": { "type": "string" },
            "date": { "type": "string", "format": "date" } } },
        "DayCloseIn": { "type": "object", "required": ["date"], "additionalProperties": false, "properties": {
            "date": { "type": "string", "format": "date" } } },
        "DayVouchers": { "type": "array", "items": { "type": "object", "properties": {
            "date": { "type": "string" }, "method": { "type": "string" }, "payments": { "type": "integer" },
            "amount": { "$ref": "#/components/schemas/Amount" }, "summary": { "type": "string" }, "voucher": { "type": "string" } } } },
        "HouseholdImport": { "type": "object", "properties": {
            "added": { "type": "integer" }, "changed": { "type": "integer" }, "unchanged": { "type": "integer" } } },
    })
}

/// Subsidy programs and their money, reconciliations, spending and budgets.
fn subsidy_and_spending_schemas() -> Value {
    json!({
        "ProgramIn": { "type": "object", "required": ["document_no", "purpose", "approved", "starts_on", "ends_on", "treatment", "eligible"],
            "additionalProperties": false, "properties": {
            "book": { "type": "string" }, "document_no": { "type": "string", "maxLength": 100 }, "purpose": { "type": "string", "maxLength": 200 },
            "approved": { "$ref": "#/components/schemas/Amount" }, "starts_on": { "type": "string", "format": "date" },
            "ends_on": { "type": "string", "format": "date", "description": "截止日期，当天不含" },
            "treatment": { "type": "string", "enum": ["deferred", "immediate", "service", "collective", "asset"] },
            "eligible": { "type": "array", "items": { "type": "string", "enum": ["cleaning", "greening", "security", "repairs", "energy", "payroll", "office", "taxes"] } } } },
        "DisbursementsIn": { "type": "object", "required": ["disbursements"], "additionalProperties": false, "properties": {
            "disbursements": { "type": "array", "items": { "type": "object", "required": ["program", "date", "amount", "payee"], "additionalProperties": false,
            "properties": { "program": { "type": "string" }, "date": { "type": "string", "format": "date" }, "amount": { "$ref": "#/components/schemas/Amount" },
            "payee": { "type": "string" }, "reference": { "type": "string" } } } } } },
        "ReceiptIn": { "type": "object", "required": ["program", "date", "amount"], "additionalProperties": false, "properties": {
            "program": { "type": "string" }, "date": { "type": "string", "format": "date" }, "amount": { "$ref": "#/components/schemas/Amount" },
            "reference": { "type": "string" }, "bank_account": { "type": "string" } } },
        "WithdrawIn": { "type": "object", "required": ["side", "id", "reason"], "additionalProperties": false, "properties": {
            "side": { "type": "string", "enum": ["disbursement", "receipt", "spending"] }, "id": { "type": "integer" },
            "reason": { "type": "string", "maxLength": 200 }, "date": { "type": "string", "format": "date" } } },
        "ReleaseIn": { "type": "object", "required": ["period"], "additionalProperties": false, "properties": {
            "period": { "type": "string" }, "book": { "type": "string" } } },
        "ReconcileIn": { "type": "object", "required": ["program", "from", "until"], "additionalProperties": false, "properties": {
            "program": { "type": "string" }, "from": { "type": "string", "format": "date" }, "until": { "type": "string", "format": "date" } } },
        "SignIn": { "type": "object", "required": ["side"], "additionalProperties": false, "properties": {
            "side": { "type": "string", "enum": ["company", "finance_office"] } } },
        "ExpenseIn": { "type": "object", "required": ["date", "category", "supplier", "summary", "amount"], "additionalProperties": false, "properties": {
            "book": { "type": "string" }, "date": { "type": "string", "format": "date" },
            "category": { "type": "string", "enum": ["cleaning", "greening", "security", "repairs", "energy", "payroll", "office", "taxes"] },
            "supplier": { "type": "string" }, "summary": { "type": "string" }, "amount": { "$ref": "#/components/schemas/Amount" },
            "payable": { "type": "boolean" }, "program": { "type": "string" } } },
        "BudgetIn": { "type": "object", "required": ["year", "category", "amount"], "additionalProperties": false, "properties": {
            "year": { "type": "integer" }, "category": { "type": "string" }, "amount": { "$ref": "#/components/schemas/Amount" } } },
    })
}

/// The owners' money: public revenue, its split and use, and the collective's distribution.
fn owners_money_schemas() -> Value {
    json!({
        "RevenueIn": { "type": "object", "required": ["date", "source", "payer", "amount"], "additionalProperties": false, "properties": {
            "date": { "type": "string", "format": "date" }, "source": { "type": "string", "enum": ["advertising", "parking", "venue", "other"] },
            "payer": { "type": "string" }, "amount": { "$ref": "#/components/schemas/Amount" } } },
        "RuleIn": { "type": "object", "required": ["from", "share_permille", "decision"], "additionalProperties": false, "properties": {
            "from": { "type": "string", "format": "date" }, "share_permille": { "type": "integer", "minimum": 0, "maximum": 1000 }, "decision": { "type": "string" } } },
        "UseIn": { "type": "object", "required": ["date", "purpose", "decision", "amount"], "additionalProperties": false, "properties": {
            "date": { "type": "string", "format": "date" }, "purpose": { "type": "string" }, "decision": { "type": "string" },
            "amount": { "$ref": "#/components/schemas/Amount" } } },
        "PeriodIn": { "type": "object", "required": ["period"], "additionalProperties": false, "properties": { "period": { "type": "string" } } },
        "TransferIn": { "type": "object", "required": ["year", "date"], "additionalProperties": false, "properties": {
            "year": { "type": "integer" }, "date": { "type": "string", "format": "date" } } },
        "DistributeIn": { "type": "object", "required": ["year", "reserve", "welfare", "date"], "additionalProperties": false, "properties": {
            "year": { "type": "integer" }, "reserve": { "type": "string", "description": "公积公益金比例（%）" },
            "welfare": { "type": "string", "description": "福利费比例（%）" }, "amount": { "$ref": "#/components/schemas/Amount" },
            "date": { "type": "string", "format": "date" } } },
    })
}

/// Users and what they may reach.
fn access_schemas() -> Value {
    json!({
        "UserIn": { "type": "object", "required": ["username", "display_name", "password", "roles"], "additionalProperties": false, "properties": {
            "username": { "type": "string" }, "display_name": { "type": "string" }, "password": { "type": "string", "minLength": 10 },
            "roles": { "type": "array", "items": { "type": "string", "enum": ["admin", "accountant", "reviewer", "cashier", "finance_office", "auditor"] } },
            "communities": { "type": "array", "items": { "type": "integer" } }, "street": { "type": "string" } } },
        "AccessIn": { "type": "object", "required": ["roles"], "additionalProperties": false, "properties": {
            "roles": { "type": "array", "items": { "type": "string", "enum": ["admin", "accountant", "reviewer", "cashier", "finance_office", "auditor"] } },
            "communities": { "type": "array", "items": { "type": "integer" } }, "street": { "type": "string" } } },
    })
}

fn operation(r: &ApiRoute) -> Value {
    let mut parameters: Vec<Value> = r
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } }))
        .collect();
    if r.idempotent {
        parameters
            .push(json!({ "name": "Idempotency-Key", "in": "header", "required": true, "schema": { "type": "string", "maxLength": 100 } }));
    }
    let known = ["Receipt"];
    let answer = if known.contains(&r.answer) {
        json!({ "$ref": format!("#/components/schemas/{}", r.answer) })
    } else {
        json!({ "type": "object", "title": r.answer })
    };
    let error = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answered =
        |description: &str| json!({ "description": description, "content": { "application/json": { "schema": answer.clone() } } });
    let mut responses = json!({ "401": error.clone(), "403": error.clone(), "404": error.clone(), "422": error });
    if r.method == "post" && CREATED.contains(&r.path) {
        responses["201"] = answered("已新建");
        if r.idempotent {
            responses["200"] = answered("同一 Idempotency-Key 的重复请求：返回原结果（replayed 为 true）");
        }
    } else {
        responses["200"] = answered("成功");
    }
    let roles = if r.roles.is_empty() { "任何已登录用户（在其社区范围内）".to_string() } else { r.roles.join(", ") };
    let mut op = json!({
        "summary": r.summary,
        "description": format!("角色：{roles}"),
        // The roles as data, for clients and for the access test's role × route matrix.
        "x-roles": r.roles,
        "parameters": parameters,
        "responses": responses,
    });
    match r.body {
        Some(HOUSEHOLD_FILE) => {
            let file = json!({ "schema": { "type": "string", "format": "binary" } });
            op["requestBody"] = json!({ "required": true, "content": { "text/csv": file, XLSX_TYPE: file } });
        }
        Some(body) => {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{body}") } } } });
        }
        None => {}
    }
    op
}

/// The POST routes that answer 201 Created with what they made (a payment, a draft, a
/// user…); every other route answers 200.
const CREATED: &[&str] = &[
    "/api/v1/communities/{community}/payments",
    "/api/v1/communities/{community}/vouchers",
    "/api/v1/communities/{community}/public-revenue",
    "/api/v1/communities/{community}/public-revenue/uses",
    "/api/v1/communities/{community}/collective/transfer",
    "/api/v1/communities/{community}/collective/roster",
    "/api/v1/communities/{community}/collective/distributions",
    "/api/v1/users",
    "/api/v1/communities/{community}/subsidies",
    "/api/v1/communities/{community}/subsidies/disbursements",
    "/api/v1/communities/{community}/subsidies/disbursements/import",
    "/api/v1/communities/{community}/subsidies/receipts",
    "/api/v1/communities/{community}/expenses",
    "/api/v1/communities/{community}/reconciliations",
];

/// A body that is a file (CSV or XLSX), not JSON.
pub const HOUSEHOLD_FILE: &str = "HouseholdFile";
pub use crate::render::table::XLSX_TYPE;

pub fn spec() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = operation(r);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "明账 API", "version": env!("CARGO_PKG_VERSION"), "description": "金额均为十进制字符串（如 \"1234.56\"）；错误为 JSON：code、message、field。" },
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer" }, "session": { "type": "apiKey", "in": "cookie", "name": "mz_session" } },
        },
        "security": [{ "token": [] }, { "session": [] }],
        "paths": paths,
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
