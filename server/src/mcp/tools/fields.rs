//! Toolset `issues`, issue fields: the typed metadata an organization defines for every issue of
//! its repositories (Priority, Effort, Start date, Target date, or its own), listed from the
//! organization and set or cleared on one issue through GitHub's REST API.

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::github::sanitize::clean_capped;

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, RepoRef, ToolFailure, ToolResult, seg, structured},
};

/// Characters of a text value shown.
const VALUE_CHARS: usize = 1000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct OrgFields {
    /// Organization login; issue fields belong to organizations, not users.
    pub org: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SetFields {
    #[serde(flatten)]
    pub at: RepoRef,
    /// Issue number.
    pub issue_number: u64,
    /// Values to set; fields not named keep theirs.
    #[serde(default)]
    #[schemars(length(max = 25))]
    pub set: Vec<FieldSetting>,
    /// Ids of fields whose values to remove.
    #[serde(default)]
    #[schemars(length(max = 25))]
    pub clear: Vec<u64>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct FieldSetting {
    /// Field id, from list_issue_fields.
    pub field_id: u64,
    /// Text, a number, a date `YYYY-MM-DD`, or an option's name, as the field's type wants.
    pub value: FieldInput,
}

/// A field's value: GitHub takes a JSON number for number fields and a string for the others.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldInput {
    Number(f64),
    Text(String),
}

/// A field definition for a model: what to send to set_issue_fields.
fn field(f: &Value) -> Value {
    let options: Vec<Value> =
        f["options"].as_array().map_or_else(Vec::new, |o| o.iter().map(|o| o["name"].clone()).collect());
    let mut v = shape::pick(f, &["id", "name", "data_type", "visibility"]);
    v.insert("description".into(), shape::text(f, "description", 300));
    if !options.is_empty() {
        v.insert("options".into(), Value::Array(options));
    }
    v.into()
}

/// An issue's value of one field.
pub(super) fn value(v: &Value) -> Value {
    let shown = match v["value"].as_str() {
        Some(text) => Value::String(clean_capped(text, VALUE_CHARS)),
        None => v["value"].clone(),
    };
    json!({"field_id": v["issue_field_id"], "name": shape::text(v, "issue_field_name", 200), "value": shown})
}

const LIST_ISSUE_FIELDS: Def = Def::read("list_issue_fields", "List issue fields").about(
    "Lists an organization's issue fields, the typed metadata its issues carry (e.g. Priority, \
     Effort, Target date): id, name, type (text, number, date, single_select) and, for single \
     select, the option names. Set them with set_issue_fields.",
);

async fn list_issue_fields(gh: Github, p: OrgFields) -> ToolResult {
    let fields = gh.get(&format!("/orgs/{}/issue-fields", seg("org", &p.org)?), &[]).await?;
    let list: Vec<Value> = fields.as_array().map_or_else(Vec::new, |f| f.iter().map(field).collect());
    structured(json!({"issue_fields": list}))
}

const SET_ISSUE_FIELDS: Def = Def::apply("set_issue_fields", "Set issue fields").about(
    "Sets or clears an issue's values of its organization's issue fields (ids and options from \
     list_issue_fields), keeping the fields it does not name; needs push access. Returns the \
     issue's field values after the change.",
);

async fn set_issue_fields(gh: Github, p: SetFields) -> ToolResult {
    if p.set.is_empty() && p.clear.is_empty() {
        return Err(ToolFailure::message("Name the fields to change in `set` or `clear`."));
    }
    if let Some(both) = p.set.iter().find(|s| p.clear.contains(&s.field_id)) {
        return Err(ToolFailure::message(format!("Field {} is both in `set` and in `clear`.", both.field_id)));
    }
    let path = format!("{}/issues/{}/issue-field-values", p.at.path()?, p.issue_number);
    let mut values = if p.set.is_empty() {
        gh.get(&path, &[("per_page", "100".into())]).await?
    } else {
        gh.send(Method::POST, &path, Some(&json!({"issue_field_values": p.set}))).await?
    };
    let list = values.as_array_mut().map(std::mem::take).unwrap_or_default();
    let mut kept = Vec::with_capacity(list.len());
    for v in list {
        match v["issue_field_id"].as_u64().filter(|id| p.clear.contains(id)) {
            // Clearing a field that holds no value is already done.
            Some(id) => {
                gh.send(Method::DELETE, &format!("{path}/{id}"), None).await?;
            }
            None => kept.push(value(&v)),
        }
    }
    structured(json!({"issue_number": p.issue_number, "fields": kept}))
}

pub fn fields_tools() -> Vec<Route> {
    vec![route(LIST_ISSUE_FIELDS, list_issue_fields), route(SET_ISSUE_FIELDS, set_issue_fields)]
}
