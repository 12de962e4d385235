//! How a tool is defined: one [`Def`] (name, title, description and what it does to GitHub, its
//! [`Effect`]) next to a handler `async fn(Github, Args) -> ToolResult`, joined by [`route`].
//!
//! [`route`] owns everything the tools used to repeat: the MCP annotations and the scope the tool
//! needs follow from the effect; the input schema is generated from the argument struct and made
//! lean ([`lean_schema`]); the arguments are parsed (a bad argument is a tool error the model can
//! correct, as rmcp's own extractor makes it); and the handler gets GitHub as the caller's user.

use std::{future::Future, sync::Arc};

use rmcp::{
    ErrorData,
    handler::server::{router::tool::ToolRoute, tool::ToolCallContext},
    model::{CallToolResponse, JsonObject, Tool, ToolAnnotations},
    schemars::{self, JsonSchema, generate::SchemaSettings},
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use super::support::{Github, ToolFailure, ToolResult};
use crate::mcp::server::GatewayServer;

/// What a tool does to GitHub. Decides its annotations (MCP `ToolAnnotations`) and so its scope:
/// only [`Effect::Read`] tools are read-only (`github:read`); the rest need `github:write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reads only.
    Read,
    /// Adds something new each time it is called (an issue, a comment, a branch).
    Create,
    /// Changes state without losing any; calling it twice is calling it once (mark read, fork, star).
    Ensure,
    /// Replaces or removes what is there; calling it twice changes nothing more (update, delete).
    Update,
    /// Replaces what is there, and each call acts again (merge, commit a file).
    Apply,
}

impl Effect {
    /// The hints that say something: MCP defines `destructiveHint` and `idempotentHint` only for
    /// tools that are not read-only, defaults them to true and false, and defaults
    /// `openWorldHint` to true (every tool here reaches GitHub, an open world). A hint equal to its
    /// default is left out, as it costs every client's context and says nothing; `readOnlyHint`
    /// is always written, as clients filter on it.
    pub fn annotations(self) -> ToolAnnotations {
        let (destructive, idempotent) = match self {
            Effect::Read => return ToolAnnotations::new().read_only(true),
            Effect::Create => (false, false),
            Effect::Ensure => (false, true),
            Effect::Update => (true, true),
            Effect::Apply => (true, false),
        };
        let mut hints = ToolAnnotations::new().read_only(false);
        if !destructive {
            hints = hints.destructive(false);
        }
        if idempotent {
            hints = hints.idempotent(true);
        }
        hints
    }
}

/// A tool's definition, apart from its handler and argument type, written as
/// `Def::read("name", "Title").about("What it does, for a model.")` (or `create`, `ensure`,
/// `update`, `apply`: its [`Effect`]).
#[derive(Clone, Copy, Debug)]
pub struct Def {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub effect: Effect,
}

impl Def {
    const fn new(effect: Effect, name: &'static str, title: &'static str) -> Self {
        Def { name, title, description: "", effect }
    }

    /// A tool that only reads.
    pub const fn read(name: &'static str, title: &'static str) -> Self {
        Def::new(Effect::Read, name, title)
    }

    /// A tool that adds something new each time ([`Effect::Create`]).
    pub const fn create(name: &'static str, title: &'static str) -> Self {
        Def::new(Effect::Create, name, title)
    }

    /// A tool that changes state without losing any ([`Effect::Ensure`]).
    pub const fn ensure(name: &'static str, title: &'static str) -> Self {
        Def::new(Effect::Ensure, name, title)
    }

    /// A tool that replaces or removes what is there ([`Effect::Update`]).
    pub const fn update(name: &'static str, title: &'static str) -> Self {
        Def::new(Effect::Update, name, title)
    }

    /// A tool that replaces what is there and acts again on each call ([`Effect::Apply`]).
    pub const fn apply(name: &'static str, title: &'static str) -> Self {
        Def::new(Effect::Apply, name, title)
    }

    /// The tool's description: what it does and returns, and when to use it, for a model.
    pub const fn about(self, description: &'static str) -> Self {
        Def { description, ..self }
    }
}

/// The arguments of a tool that takes none.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NoArgs {}

/// A tool of the gateway, as rmcp routes it.
pub type Route = ToolRoute<GatewayServer>;

/// The route for the tool `def`, whose arguments are `A` and which `handler` runs.
pub fn route<A, F, Fut>(def: Def, handler: F) -> Route
where
    A: DeserializeOwned + JsonSchema + 'static,
    F: Fn(Github, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ToolResult> + Send + 'static,
{
    let tool = Tool::new(def.name, def.description, Arc::new(lean_schema::<A>()))
        .with_title(def.title)
        .with_annotations(def.effect.annotations());
    let handler = Arc::new(handler);
    ToolRoute::new_dyn(tool, move |ctx: ToolCallContext<'_, GatewayServer>| {
        let handler = handler.clone();
        Box::pin(async move {
            let args: A = serde_json::from_value(Value::Object(ctx.arguments.unwrap_or_default()))
                // rmcp turns an error with this prefix into a tool error the model can correct.
                .map_err(|e| ErrorData::invalid_params(format!("failed to deserialize parameters: {e}"), None))?;
            let gh = ctx.service.github(&ctx.request_context)?;
            respond(handler(gh, args).await)
        })
    })
}

fn respond(result: ToolResult) -> Result<CallToolResponse, ErrorData> {
    match result {
        Ok(result) | Err(ToolFailure::Tool(result)) => Ok(result.into()),
        Err(ToolFailure::Bug(e)) => Err(e),
    }
}

/// `A`'s input schema as a model needs it, and no more: no `$schema` key, no `$defs` (enums and
/// nested structs inline), an optional value is its type (not a union with `null`: leaving it out
/// is how a tool is told "not set"), and no `format`/`minimum: 0` that Rust's number types add.
/// A limit written on a field (`#[schemars(range(..))]`) stays.
pub fn lean_schema<A: JsonSchema>() -> JsonObject {
    let mut settings = SchemaSettings::draft2020_12();
    settings.meta_schema = None;
    settings.inline_subschemas = true;
    let mut schema = settings.into_generator().into_root_schema_for::<A>().to_value();
    prune(&mut schema);
    match schema {
        Value::Object(mut obj) => {
            // The tool's description says what the arguments are for; a flattened struct's doc
            // comment (or the struct's name) would only repeat it.
            obj.remove("title");
            obj.remove("description");
            obj.entry("properties").or_insert_with(|| Value::Object(Default::default()));
            obj
        }
        _ => JsonObject::new(),
    }
}

fn prune(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            // `Option<T>`: `"type": ["T", "null"]`, or `anyOf: [T, {"type": "null"}]` for inlined types.
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    obj.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = obj.get("anyOf") {
                let kept: Vec<Value> =
                    any.iter().filter(|s| s.get("type").is_none_or(|t| t != "null")).cloned().collect();
                if kept.len() == 1
                    && let Some(Value::Object(inner)) = kept.into_iter().next()
                {
                    obj.remove("anyOf");
                    for (k, val) in inner {
                        obj.entry(k).or_insert(val);
                    }
                }
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            if obj.get("default").is_some_and(Value::is_null) {
                obj.remove("default");
            }
            let integer_format = obj.get("format").and_then(Value::as_str).is_some_and(|f| {
                matches!(
                    f,
                    "int"
                        | "int8"
                        | "int16"
                        | "int32"
                        | "int64"
                        | "uint"
                        | "uint8"
                        | "uint16"
                        | "uint32"
                        | "uint64"
                        | "float"
                        | "double"
                )
            });
            if integer_format {
                let unsigned = obj.get("format").and_then(Value::as_str).is_some_and(|f| f.starts_with('u'));
                obj.remove("format");
                if unsigned && obj.get("minimum").and_then(Value::as_u64) == Some(0) {
                    obj.remove("minimum");
                }
            }
            for child in obj.values_mut() {
                prune(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum State {
        Open,
        Closed,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Args {
        /// The owner.
        owner: String,
        /// Which ones.
        state: Option<State>,
        /// How many, 1–100.
        #[schemars(range(min = 1, max = 100))]
        per_page: Option<u32>,
        /// A count.
        n: u64,
    }

    #[test]
    fn schemas_carry_what_a_model_needs_and_nothing_generated_for_rust() {
        let schema = Value::Object(lean_schema::<Args>());
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "owner": {"type": "string", "description": "The owner."},
                    "state": {"type": "string", "enum": ["open", "closed"], "description": "Which ones."},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many, 1–100."},
                    "n": {"type": "integer", "description": "A count."}
                },
                "required": ["owner", "n"]
            })
        );
    }

    #[test]
    fn an_effect_decides_the_annotations() {
        let read = Effect::Read.annotations();
        assert_eq!((read.read_only_hint, read.destructive_hint, read.open_world_hint), (Some(true), None, None));
        // What is left out is MCP's default: destructive, not idempotent, open world.
        let hints = |e: Effect| {
            let a = e.annotations();
            (a.read_only_hint, a.destructive_hint.unwrap_or(true), a.idempotent_hint.unwrap_or(false))
        };
        assert_eq!(hints(Effect::Create), (Some(false), false, false));
        assert_eq!(hints(Effect::Ensure), (Some(false), false, true));
        assert_eq!(hints(Effect::Update), (Some(false), true, true));
        assert_eq!(hints(Effect::Apply), (Some(false), true, false));
    }
}
