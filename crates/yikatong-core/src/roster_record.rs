//! One line of a roster file as text, keyed by field: what the file readers in
//! `yikatong-formats` produce and roster intake validates.

use std::collections::BTreeMap;

/// A column a roster file may have. Headers are matched in Chinese or English.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RosterField {
    /// 身份证号: the beneficiary's resident ID number.
    ResidentId,
    /// 姓名.
    Name,
    /// 户主身份证号: the household head's ID number.
    HeadResidentId,
    /// 户编号.
    HouseholdId,
    /// 家庭人口: household members counted by the policy.
    HouseholdMembers,
    /// 村（嘎查）代码: the village's region code.
    Village,
    /// 联系电话.
    Phone,
    /// A quantity such as 耕地面积（亩）, keyed by its fact name (`farmland_mu`).
    Quantity(String),
    /// 标签: tags separated by `;` or `；`.
    Tags,
    /// 人均收入（元）.
    PerCapitaIncome,
    /// 开户银行: the agent bank's code or name.
    Bank,
    /// 账户类型: 社会保障卡 / 银行卡 / 存折.
    AccountKind,
    /// 卡号 / 账号.
    AccountNumber,
    /// 户名 / 持卡人姓名: the account holder's name.
    HolderName,
    /// 金额（元）: an amount stated by the file (checked against the computed one).
    Amount,
    /// 备注.
    Note,
}

/// Header names for the quantities the sample catalogue uses: (fact name, Chinese, English).
const QUANTITY_HEADERS: &[(&str, &str, &str)] = &[
    ("farmland_mu", "耕地面积（亩）", "farmland_mu"),
    ("grassland_mu", "草原面积（亩）", "grassland_mu"),
    ("livestock_head", "牲畜（头）", "livestock_head"),
    ("sheep_units", "羊单位", "sheep_units"),
    ("machines", "机具（台）", "machines"),
];

impl RosterField {
    /// The Chinese header written on export.
    pub fn header_zh(&self) -> String {
        let fixed = match self {
            RosterField::ResidentId => "身份证号",
            RosterField::Name => "姓名",
            RosterField::HeadResidentId => "户主身份证号",
            RosterField::HouseholdId => "户编号",
            RosterField::HouseholdMembers => "家庭人口",
            RosterField::Village => "村（嘎查）代码",
            RosterField::Phone => "联系电话",
            RosterField::Tags => "标签",
            RosterField::PerCapitaIncome => "人均收入（元）",
            RosterField::Bank => "开户银行",
            RosterField::AccountKind => "账户类型",
            RosterField::AccountNumber => "卡号",
            RosterField::HolderName => "户名",
            RosterField::Amount => "金额（元）",
            RosterField::Note => "备注",
            RosterField::Quantity(name) => {
                return QUANTITY_HEADERS
                    .iter()
                    .find(|(fact, _, _)| fact == name)
                    .map_or_else(|| format!("数量:{name}"), |(_, zh, _)| (*zh).to_owned());
            }
        };
        fixed.to_owned()
    }

    /// The English header (snake case), also the field's name in error messages.
    pub fn header_en(&self) -> String {
        match self {
            RosterField::Quantity(name) => QUANTITY_HEADERS
                .iter()
                .find(|(fact, _, _)| fact == name)
                .map_or_else(|| format!("quantity:{name}"), |(_, _, en)| (*en).to_owned()),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }

    /// The field a header names, in Chinese or English; full-width and half-width
    /// brackets, surrounding spaces and case are ignored. `None` for an unknown header.
    pub fn from_header(header: &str) -> Option<RosterField> {
        let wanted = normalize_header(header);
        let fixed = [
            (
                RosterField::ResidentId,
                &[
                    "身份证号",
                    "身份证号码",
                    "公民身份号码",
                    "resident_id",
                    "id_number",
                ][..],
            ),
            (RosterField::Name, &["姓名", "name"]),
            (
                RosterField::HeadResidentId,
                &["户主身份证号", "户主身份证号码", "head_resident_id"],
            ),
            (
                RosterField::HouseholdId,
                &["户编号", "户号", "household_id"],
            ),
            (
                RosterField::HouseholdMembers,
                &["家庭人口", "户人口数", "家庭人口数", "household_members"],
            ),
            (
                RosterField::Village,
                &[
                    "村（嘎查）代码",
                    "村代码",
                    "嘎查村代码",
                    "行政区划代码",
                    "village",
                    "village_code",
                ],
            ),
            (RosterField::Phone, &["联系电话", "手机号", "电话", "phone"]),
            (RosterField::Tags, &["标签", "tags"]),
            (
                RosterField::PerCapitaIncome,
                &["人均收入（元）", "人均收入", "per_capita_income"],
            ),
            (RosterField::Bank, &["开户银行", "代理银行", "bank"]),
            (RosterField::AccountKind, &["账户类型", "account_kind"]),
            (
                RosterField::AccountNumber,
                &["卡号", "账号", "社会保障卡号", "银行卡号", "account_number"],
            ),
            (
                RosterField::HolderName,
                &["户名", "持卡人姓名", "holder_name"],
            ),
            (
                RosterField::Amount,
                &["金额（元）", "金额", "应发金额", "应发金额（元）", "amount"],
            ),
            (RosterField::Note, &["备注", "note"]),
        ];
        for (field, names) in fixed {
            if names.iter().any(|name| normalize_header(name) == wanted) {
                return Some(field);
            }
        }
        for (fact, zh, en) in QUANTITY_HEADERS {
            if normalize_header(zh) == wanted || normalize_header(en) == wanted {
                return Some(RosterField::Quantity((*fact).to_owned()));
            }
        }
        if normalize_header("面积（亩）") == wanted {
            return Some(RosterField::Quantity("farmland_mu".to_owned()));
        }
        let rest = wanted
            .strip_prefix("数量:")
            .or_else(|| wanted.strip_prefix("quantity:"))?;
        (!rest.is_empty()).then(|| RosterField::Quantity(rest.to_owned()))
    }
}

fn normalize_header(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// One data line of a roster file: its line number in the file and its cells by field.
/// Blank cells are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RosterRecord {
    /// One-based line number in the file (the header is line 1 in a CSV file; the row
    /// number in a sheet).
    pub line: u64,
    /// Cell text by field, trimmed, blanks omitted.
    pub fields: BTreeMap<RosterField, String>,
}

impl RosterRecord {
    /// The trimmed text of `field`, if the cell was not blank.
    pub fn get(&self, field: &RosterField) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_both_languages_and_bracket_widths() {
        assert_eq!(
            RosterField::from_header("身份证号"),
            Some(RosterField::ResidentId)
        );
        assert_eq!(
            RosterField::from_header(" Resident_ID "),
            Some(RosterField::ResidentId)
        );
        assert_eq!(
            RosterField::from_header("面积(亩)"),
            Some(RosterField::Quantity("farmland_mu".into()))
        );
        assert_eq!(
            RosterField::from_header("草原面积（亩）"),
            Some(RosterField::Quantity("grassland_mu".into()))
        );
        assert_eq!(
            RosterField::from_header("数量:beehives"),
            Some(RosterField::Quantity("beehives".into()))
        );
        assert_eq!(
            RosterField::from_header("\u{feff}姓名"),
            Some(RosterField::Name)
        );
        assert_eq!(RosterField::from_header("favourite colour"), None);
        assert_eq!(RosterField::from_header("数量:"), None);
    }

    #[test]
    fn export_headers_read_back_as_the_same_field() {
        let fields = [
            RosterField::ResidentId,
            RosterField::Name,
            RosterField::HeadResidentId,
            RosterField::HouseholdId,
            RosterField::HouseholdMembers,
            RosterField::Village,
            RosterField::Phone,
            RosterField::Quantity("grassland_mu".into()),
            RosterField::Quantity("beehives".into()),
            RosterField::Tags,
            RosterField::PerCapitaIncome,
            RosterField::Bank,
            RosterField::AccountKind,
            RosterField::AccountNumber,
            RosterField::HolderName,
            RosterField::Amount,
            RosterField::Note,
        ];
        for field in fields {
            assert_eq!(
                RosterField::from_header(&field.header_zh()),
                Some(field.clone())
            );
            assert_eq!(
                RosterField::from_header(&field.header_en()),
                Some(field.clone()),
                "{field:?}"
            );
        }
    }
}
