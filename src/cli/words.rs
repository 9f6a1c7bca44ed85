//! The command line in Chinese: clap's help headings and its parse errors, worded for the
//! accountant at the terminal. clap has no translations of its own, so the parser's command
//! tree is re-headed at start and its errors are rewritten from their kind and context.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};

use crate::cli::Cli;

const HELP_TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The parser with Chinese headings and help and version flags, on every subcommand.
pub fn command() -> Command {
    localize(Cli::command(), true)
}

fn localize(cmd: Command, root: bool) -> Command {
    let mut cmd = cmd
        .help_template(HELP_TEMPLATE)
        .subcommand_help_heading("命令")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .mut_args(|a| if a.is_positional() { a.help_heading("参数") } else { a.help_heading("选项") })
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help("显示帮助").help_heading("选项"));
    if root {
        cmd = cmd
            .disable_version_flag(true)
            .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version).help("显示版本").help_heading("选项"));
    }
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |s| localize(s, false));
    }
    cmd
}

/// A parse error in Chinese: what is wrong, the usage line, and where help is. Help and
/// version requests are printed as clap renders them.
pub fn error_text(e: &clap::Error) -> String {
    let context = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("、"),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let (arg, value) = (context(ContextKind::InvalidArg), context(ContextKind::InvalidValue));
    let suggestion = match (context(ContextKind::SuggestedArg), context(ContextKind::SuggestedSubcommand)) {
        (a, _) if !a.is_empty() => format!("；是不是要写 {a}？"),
        (_, s) if !s.is_empty() => format!("；是不是要写 {s}？"),
        _ => String::new(),
    };
    let what = match e.kind() {
        ErrorKind::MissingRequiredArgument => format!("缺少必填参数：{arg}"),
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            let choices = if valid.is_empty() { String::new() } else { format!("；可选：{valid}") };
            format!("参数 {arg} 的值“{value}”无效{choices}")
        }
        ErrorKind::ValueValidation => format!("参数 {arg} 的值“{value}”无效"),
        ErrorKind::UnknownArgument => format!("不认识的参数 {arg}{suggestion}"),
        ErrorKind::InvalidSubcommand => format!("不认识的命令 {}{suggestion}", context(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "缺少命令".to_string(),
        ErrorKind::ArgumentConflict => {
            let other = context(ContextKind::PriorArg);
            format!("参数 {arg} 不能与 {other} 同时使用")
        }
        ErrorKind::NoEquals => format!("参数 {arg} 须写成 {arg}=值"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => format!("参数 {arg} 的值的个数不对"),
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    let usage = placeholders(context(ContextKind::Usage).replace("Usage:", "").trim());
    let usage = if usage.is_empty() { String::new() } else { format!("\n用法：{usage}") };
    format!("错误：{what}{usage}\n更多说明请加 --help\n")
}

/// The help or version text clap rendered, its usage placeholders in Chinese.
pub fn help_text(e: &clap::Error) -> String {
    placeholders(&e.render().to_string())
}

/// clap's usage placeholders, in Chinese.
fn placeholders(usage: &str) -> String {
    usage
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>")
        .replace("[COMMAND]", "[命令]")
        .replace("[default: ", "[默认：")
        .replace("[possible values: ", "[可选：")
        .replace("Possible values:", "可选值：")
        .replace("[env: ", "[环境变量：")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_error(args: &[&str]) -> String {
        let e = command().try_get_matches_from(args).expect_err("refused");
        error_text(&e)
    }

    #[test]
    fn parse_errors_are_worded_in_chinese_and_name_the_argument() {
        let missing = parse_error(&["mingzhang", "close", "--book", "company", "--period", "2025-01"]);
        assert!(missing.starts_with("错误：缺少必填参数：--user"), "{missing}");
        assert!(missing.contains("用法：") && !missing.contains("error:"), "{missing}");
        let wrong = parse_error(&["mingzhang", "report", "nonsense"]);
        assert!(wrong.contains("无效") && wrong.contains("trial-balance"), "{wrong}");
        let unknown = parse_error(&["mingzhang", "close", "--bok", "company"]);
        assert!(unknown.contains("不认识的参数 --bok") && unknown.contains("--book"), "{unknown}");
        let command = parse_error(&["mingzhang", "vouchr"]);
        assert!(command.contains("不认识的命令 vouchr") && command.contains("voucher"), "{command}");
    }

    #[test]
    fn help_has_chinese_headings() {
        let help = placeholders(&command().render_help().to_string());
        assert!(help.contains("用法：") && help.contains("命令") && help.contains("选项") && help.contains("显示帮助"), "{help}");
        assert!(
            !help.contains("Usage:") && !help.contains("Options:") && !help.contains("Commands:") && !help.contains("[OPTIONS]"),
            "{help}"
        );
        let mut cmd = command();
        let voucher = cmd.find_subcommand_mut("voucher").unwrap().render_help().to_string();
        assert!(voucher.contains("命令") && !voucher.contains("Commands:"), "{voucher}");
    }
}
