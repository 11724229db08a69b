//! The protocol-free provider runtime: one method per plugin RPC, taking and
//! returning core types. Values arrive and leave as encoded bytes
//! ([`Dynamic`]); schemas decode them here. The core enforces the
//! post-conditions Terraform relies on.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::codec;
use super::diag::{AttrPath, Diagnostics};
use super::plan;
use super::resource::*;
use super::schema::{validate_config, Schema};
use super::value::{Type, Value};

/// An encoded value as the protocol carries it (one of the two is set).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dynamic {
    pub msgpack: Vec<u8>,
    pub json: Vec<u8>,
}

impl Dynamic {
    pub fn msgpack(bytes: Vec<u8>) -> Dynamic {
        Dynamic {
            msgpack: bytes,
            json: Vec::new(),
        }
    }
    pub fn encode(v: &Value, ty: &Type) -> Dynamic {
        Dynamic::msgpack(codec::encode_msgpack(v, ty))
    }
    pub fn decode(&self, ty: &Type) -> Result<Value, codec::CodecError> {
        if !self.msgpack.is_empty() {
            codec::decode_msgpack(&self.msgpack, ty)
        } else {
            codec::decode_json(&self.json, ty)
        }
    }
}

/// What a provider is, to the runtime.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    type Data: Send + Sync + 'static;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;
    fn actions(&self) -> Vec<Arc<dyn super::Action<Self::Data>>> {
        Vec::new()
    }
    /// Ephemeral resources (`ephemeral` blocks).
    fn ephemeral_resources(&self) -> Vec<Arc<dyn super::EphemeralResource<Self::Data>>> {
        Vec::new()
    }
    /// Provider-defined functions (`provider::NAME::FUNCTION`).
    fn functions(&self) -> Vec<Arc<dyn super::Function>> {
        Vec::new()
    }
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// The state of `target_type` (JSON in its attribute names) from the
    /// state of another type, for a `moved` block across types; `None` when
    /// that move is not supported.
    fn move_state(
        &self,
        _target_type: &str,
        _source_provider: &str,
        _source_type: &str,
        _source: &serde_json::Value,
    ) -> Option<serde_json::Value> {
        None
    }
    async fn configure(
        &self,
        terraform_version: &str,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Self::Data>;
    /// How many objects `terraform query` reads at once (at least 1).
    fn list_concurrency(&self, _data: &Self::Data) -> usize {
        DEFAULT_LIST_CONCURRENCY
    }
}

/// Objects `terraform query` reads at once unless the provider says.
pub const DEFAULT_LIST_CONCURRENCY: usize = 8;

pub struct SchemaSet {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
    pub identities: BTreeMap<String, IdentitySchema>,
    pub actions: BTreeMap<String, Schema>,
    pub ephemeral_resources: BTreeMap<String, Schema>,
    pub lists: BTreeMap<String, Schema>,
}

/// One object a `list` block found.
pub struct ListedObject {
    pub identity: Dynamic,
    pub display_name: String,
    pub object: Option<Dynamic>,
}

/// Registered types by name, each with its schema and that schema's type.
type Registry<T> = BTreeMap<String, (Arc<T>, Schema, Type)>;

pub struct Runtime<P: Provider> {
    provider: P,
    resources: BTreeMap<String, (Arc<dyn Resource<P::Data>>, Schema, Type)>,
    data_sources: BTreeMap<String, (Arc<dyn DataSource<P::Data>>, Schema, Type)>,
    actions: BTreeMap<String, (Arc<dyn super::Action<P::Data>>, Schema, Type)>,
    ephemerals: Registry<dyn super::EphemeralResource<P::Data>>,
    functions: BTreeMap<String, (Arc<dyn super::Function>, super::FunctionDefinition)>,
    /// `list` block schemas of the resources that can be listed.
    lists: BTreeMap<String, (Schema, Type)>,
    /// Reads in progress, by resource type.
    reading: BTreeMap<String, ReadCompany>,
    provider_schema: Schema,
    data: OnceCell<Arc<P::Data>>,
    stop: StopSignal,
}

pub struct ReadOutcome {
    pub state: Dynamic,
    pub private: Vec<u8>,
    pub identity: Option<Dynamic>,
    pub diags: Diagnostics,
}

pub struct PlanOutcome {
    pub planned: Dynamic,
    pub requires_replace: Vec<AttrPath>,
    pub private: Vec<u8>,
    pub identity: Option<Dynamic>,
    pub diags: Diagnostics,
}

pub struct ApplyOutcome {
    pub state: Dynamic,
    pub private: Vec<u8>,
    pub identity: Option<Dynamic>,
    pub diags: Diagnostics,
}

/// An opened ephemeral resource: its result (none after an error), what
/// renew and close get back, and when to renew.
pub struct EphemeralOpened {
    pub result: Option<Dynamic>,
    pub private: Option<Vec<u8>>,
    pub renew_at: Option<std::time::SystemTime>,
    pub diags: Diagnostics,
}

pub struct ImportOutcome {
    pub state: Option<Dynamic>,
    pub identity: Option<Dynamic>,
    pub diags: Diagnostics,
}

fn decode_or_diag(d: &Dynamic, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<Value> {
    match d.decode(ty) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(
                format!("Invalid {what}"),
                format!("The provider could not decode the {what}: {e}"),
            );
            None
        }
    }
}

/// Decodes the three values plan and apply receive; `None` after
/// recording a diagnostic for any that fails.
fn decode_triple(
    values: [(&Dynamic, &str); 3],
    ty: &Type,
    diags: &mut Diagnostics,
) -> Option<(Value, Value, Value)> {
    let [a, b, c] = values.map(|(d, what)| decode_or_diag(d, ty, what, diags));
    Some((a?, b?, c?))
}

/// Each item with its schema and type, by type name.
fn registry<T>(
    items: Vec<T>,
    describe: impl Fn(&T) -> (&'static str, Schema),
) -> BTreeMap<String, (T, Schema, Type)> {
    items
        .into_iter()
        .map(|x| {
            let (name, s) = describe(&x);
            let t = s.ty();
            (name.to_string(), (x, s, t))
        })
        .collect()
}

/// Decodes a configuration and checks it against the schema's own rules;
/// the value, for the type's further checks.
fn validate_value(
    block: &super::schema::Block,
    ty: &Type,
    config: &Dynamic,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let v = decode_or_diag(config, ty, "configuration", diags)?;
    validate_config(block, &v, &AttrPath::root(), diags);
    Some(v)
}

fn unknown_type(diags: &mut Diagnostics, kind: &str, name: &str) {
    diags.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type \"{name}\"."),
    );
}

/// Replaces unknown values by null (used when an apply fails half-way).
fn unknowns_to_null(v: &mut Value) {
    match v {
        Value::Unknown => *v = Value::Null,
        Value::List(a) | Value::Set(a) => a.iter_mut().for_each(unknowns_to_null),
        Value::Map(m) | Value::Object(m) => m.values_mut().for_each(unknowns_to_null),
        _ => {}
    }
}

impl<P: Provider> Runtime<P> {
    pub fn new(provider: P) -> Runtime<P> {
        let resources = registry(provider.resources(), |r| (r.type_name(), r.schema()));
        let data_sources = registry(provider.data_sources(), |d| (d.type_name(), d.schema()));
        let actions = registry(provider.actions(), |a| (a.type_name(), a.schema()));
        let ephemerals = registry(provider.ephemeral_resources(), |e| {
            (e.type_name(), e.schema())
        });
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| {
                let def = f.definition();
                (def.name.to_string(), (f, def))
            })
            .collect();
        // list schemas, built once like the others
        let lists = resources
            .iter()
            .filter_map(|(k, (r, _, _))| {
                let s = r.list_schema()?;
                let t = s.ty();
                Some((k.clone(), (s, t)))
            })
            .collect();
        let reading = resources
            .keys()
            .map(|k| (k.clone(), ReadCompany::default()))
            .collect();
        let provider_schema = provider.schema();
        Runtime {
            provider,
            resources,
            data_sources,
            actions,
            ephemerals,
            functions,
            lists,
            reading,
            provider_schema,
            data: OnceCell::new(),
            stop: StopSignal::default(),
        }
    }

    pub fn schemas(&self) -> SchemaSet {
        SchemaSet {
            provider: self.provider_schema.clone(),
            resources: self
                .resources
                .iter()
                .map(|(k, (_, s, _))| (k.clone(), s.clone()))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|(k, (_, s, _))| (k.clone(), s.clone()))
                .collect(),
            identities: self
                .resources
                .iter()
                .filter_map(|(k, (r, _, _))| r.identity_schema().map(|i| (k.clone(), i)))
                .collect(),
            actions: self
                .actions
                .iter()
                .map(|(k, (_, s, _))| (k.clone(), s.clone()))
                .collect(),
            ephemeral_resources: self
                .ephemerals
                .iter()
                .map(|(k, (_, s, _))| (k.clone(), s.clone()))
                .collect(),
            lists: self
                .lists
                .iter()
                .map(|(k, (s, _))| (k.clone(), s.clone()))
                .collect(),
        }
    }

    pub fn ephemeral_resource_names(&self) -> Vec<String> {
        self.ephemerals.keys().cloned().collect()
    }

    pub fn validate_ephemeral_config(&self, type_name: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((e, s, t)) = self.ephemerals.get(type_name) else {
            unknown_type(&mut diags, "ephemeral resource", type_name);
            return diags;
        };
        if let Some(v) = validate_value(&s.block, t, config, &mut diags) {
            e.validate(&v, &mut diags);
        }
        diags
    }

    /// Opens an ephemeral resource. Terraform opens only wholly known
    /// configurations; an unknown one left is refused rather than read as
    /// empty. The result must be wholly known.
    pub async fn open_ephemeral(&self, type_name: &str, config: &Dynamic) -> EphemeralOpened {
        let mut diags = Diagnostics::default();
        let none = |diags| EphemeralOpened {
            result: None,
            private: None,
            renew_at: None,
            diags,
        };
        let Some((e, s, t)) = self.ephemerals.get(type_name) else {
            unknown_type(&mut diags, "ephemeral resource", type_name);
            return none(diags);
        };
        let Some(config_v) = decode_or_diag(config, t, "configuration", &mut diags) else {
            return none(diags);
        };
        if !config_v.is_wholly_known() {
            diags.error(
                "Configuration not known",
                format!("{type_name} cannot be opened while its configuration holds values known only after apply."),
            );
            return none(diags);
        }
        // what validation skipped while unknown is known now: every check
        // runs on the whole configuration and each bad argument is
        // reported, at its attribute, before the resource's first request
        // (a client that opens without validating again gets them too)
        validate_config(&s.block, &config_v, &AttrPath::root(), &mut diags);
        e.validate(&config_v, &mut diags);
        if diags.has_errors() {
            return none(diags);
        }
        let Some(data) = self.data(&mut diags) else {
            return none(diags);
        };
        let mut resp = super::OpenResponse {
            result: config_v.clone(),
            private: None,
            renew_at: None,
            diags: Diagnostics::default(),
        };
        let req = super::OpenRequest {
            config: config_v,
            stop: self.stop.clone(),
        };
        e.open(&data, req, &mut resp).await;
        if resp.diags.has_errors() {
            // nothing to hand out; what open registered it has released
            return EphemeralOpened {
                result: None,
                private: resp.private,
                renew_at: None,
                diags: resp.diags,
            };
        }
        if !resp.result.is_wholly_known() {
            resp.diags.error(
                "Provider left unknown values",
                format!("{type_name}: every attribute must be known once opened. This is a bug in the provider."),
            );
            unknowns_to_null(&mut resp.result);
        }
        EphemeralOpened {
            result: Some(Dynamic::encode(&resp.result, t)),
            private: resp.private,
            renew_at: resp.renew_at,
            diags: resp.diags,
        }
    }

    pub async fn renew_ephemeral(
        &self,
        type_name: &str,
        private: Option<Vec<u8>>,
    ) -> super::RenewResponse {
        let mut resp = super::RenewResponse::default();
        let Some((e, _, _)) = self.ephemerals.get(type_name) else {
            unknown_type(&mut resp.diags, "ephemeral resource", type_name);
            return resp;
        };
        let Some(data) = self.data(&mut resp.diags) else {
            return resp;
        };
        let req = super::RenewRequest {
            private,
            stop: self.stop.clone(),
        };
        e.renew(&data, req, &mut resp).await;
        resp
    }

    pub async fn close_ephemeral(&self, type_name: &str, private: Option<Vec<u8>>) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((e, _, _)) = self.ephemerals.get(type_name) else {
            unknown_type(&mut diags, "ephemeral resource", type_name);
            return diags;
        };
        let Some(data) = self.data(&mut diags) else {
            return diags;
        };
        let req = super::CloseRequest {
            private,
            stop: self.stop.clone(),
        };
        e.close(&data, req, &mut diags).await;
        diags
    }

    pub fn validate_list_config(&self, type_name: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((s, t)) = self.lists.get(type_name) else {
            unknown_type(&mut diags, "list resource", type_name);
            return diags;
        };
        validate_value(&s.block, t, config, &mut diags);
        diags
    }

    /// `terraform query`, first step: the objects a `list` block finds (at
    /// most `limit` when `limit` > 0), by ID, in the order shown.
    pub async fn list_found(
        &self,
        type_name: &str,
        config: &Dynamic,
        limit: i64,
    ) -> (Vec<Listed>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let (Some((r, _, _)), Some((_, lt))) =
            (self.resources.get(type_name), self.lists.get(type_name))
        else {
            unknown_type(&mut diags, "list resource", type_name);
            return (Vec::new(), diags);
        };
        let Some(config_v) = decode_or_diag(config, lt, "configuration", &mut diags) else {
            return (Vec::new(), diags);
        };
        let Some(data) = self.data(&mut diags) else {
            return (Vec::new(), diags);
        };
        let limit = usize::try_from(limit).ok().filter(|n| *n > 0);
        let mut found = r.list(&data, &config_v, limit, &mut diags).await;
        if let Some(n) = limit {
            found.truncate(n);
        }
        (found, diags)
    }

    /// `terraform query`, second step: one found object read as an import
    /// reads it (so the object and identity are those an import would
    /// give); `None` when it was gone by then.
    pub async fn list_item(
        &self,
        type_name: &str,
        item: &Listed,
        include_object: bool,
    ) -> (Option<ListedObject>, Diagnostics) {
        let imported = self.import_resource_state(type_name, &item.id, None).await;
        let Some(state) = imported.state else {
            return (None, imported.diags);
        };
        let read = self.read_resource(type_name, &state, Vec::new()).await;
        let mut diags = imported.diags;
        diags.0.extend(read.diags.0);
        let object = read.identity.map(|identity| ListedObject {
            identity,
            display_name: item.display_name.clone(),
            object: include_object.then_some(read.state),
        });
        (object, diags)
    }

    /// How many found objects are read at once (the provider's setting).
    pub fn list_concurrency(&self) -> usize {
        match self.data.get() {
            Some(d) => self.provider.list_concurrency(d).max(1),
            None => DEFAULT_LIST_CONCURRENCY,
        }
    }

    /// `terraform query` whole: the found objects read with at most
    /// [`Runtime::list_concurrency`] reads at once, in the listing's order.
    pub async fn list_resource(
        &self,
        type_name: &str,
        config: &Dynamic,
        include_object: bool,
        limit: i64,
    ) -> (Vec<ListedObject>, Diagnostics) {
        use futures::StreamExt;
        let (found, mut diags) = self.list_found(type_name, config, limit).await;
        let reads: Vec<_> = futures::stream::iter(found.iter())
            .map(|item| self.list_item(type_name, item, include_object))
            .buffered(self.list_concurrency())
            .collect()
            .await;
        let mut out = Vec::new();
        for (got, d) in reads {
            diags.0.extend(d.0);
            out.extend(got);
        }
        (out, diags)
    }

    /// Configuration for an object's state (`-generate-config-out`).
    pub fn generate_resource_config(
        &self,
        type_name: &str,
        state: &Dynamic,
    ) -> (Option<Dynamic>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let Some((r, s, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return (None, diags);
        };
        let Some(v) = decode_or_diag(state, t, "state", &mut diags) else {
            return (None, diags);
        };
        let config = r.generated_config(&v, super::schema::config_from_state(&s.block, &v));
        (Some(Dynamic::encode(&config, t)), diags)
    }

    pub fn action_names(&self) -> Vec<String> {
        self.actions.keys().cloned().collect()
    }

    pub fn validate_action_config(&self, type_name: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((a, s, t)) = self.actions.get(type_name) else {
            unknown_type(&mut diags, "action", type_name);
            return diags;
        };
        if let Some(v) = validate_value(&s.block, t, config, &mut diags) {
            a.validate(&v, &mut diags);
        }
        diags
    }

    pub async fn plan_action(&self, type_name: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((a, _, t)) = self.actions.get(type_name) else {
            unknown_type(&mut diags, "action", type_name);
            return diags;
        };
        if let Some(v) = decode_or_diag(config, t, "configuration", &mut diags) {
            let data = self.data.get().cloned();
            a.plan(data.as_deref(), &v, &mut diags).await;
        }
        diags
    }

    /// Runs an action; its progress messages go to `progress` as it runs.
    pub async fn invoke_action(
        &self,
        type_name: &str,
        config: &Dynamic,
        progress: super::Progress,
    ) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((a, _, t)) = self.actions.get(type_name) else {
            unknown_type(&mut diags, "action", type_name);
            return diags;
        };
        let Some(v) = decode_or_diag(config, t, "configuration", &mut diags) else {
            return diags;
        };
        let Some(data) = self.data(&mut diags) else {
            return diags;
        };
        let req = super::InvokeRequest {
            config: v,
            stop: self.stop.clone(),
            progress,
        };
        a.invoke(&data, req, &mut diags).await;
        diags
    }

    /// The provider's functions, by name.
    pub fn functions(&self) -> Vec<super::FunctionDefinition> {
        self.functions.values().map(|(_, d)| d.clone()).collect()
    }

    /// Calls a function (pure: it needs no configured provider).
    pub fn call_function(
        &self,
        name: &str,
        args: &[Dynamic],
    ) -> Result<Dynamic, super::FunctionError> {
        let Some((f, def)) = self.functions.get(name) else {
            return Err(super::FunctionError::general(format!(
                "This provider has no function \"{name}\"."
            )));
        };
        super::function::call_encoded(f.as_ref(), def, args)
    }

    pub fn resource_names(&self) -> Vec<String> {
        self.resources.keys().cloned().collect()
    }

    pub fn data_source_names(&self) -> Vec<String> {
        self.data_sources.keys().cloned().collect()
    }

    pub fn stop(&self) {
        self.stop.stop();
    }

    fn data(&self, diags: &mut Diagnostics) -> Option<Arc<P::Data>> {
        let d = self.data.get().cloned();
        if d.is_none() {
            diags.error(
                "Provider not configured",
                "Terraform called the provider before configuring it; this is a bug in the provider or Terraform.",
            );
        }
        d
    }

    fn identity_of(&self, r: &Arc<dyn Resource<P::Data>>, state: &Value) -> Option<Dynamic> {
        let is = r.identity_schema()?;
        if state.is_null() {
            return None;
        }
        Some(Dynamic::encode(&is.from_state(state), &is.ty()))
    }

    pub fn validate_provider_config(&self, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(v) = decode_or_diag(
            config,
            &self.provider_schema.ty(),
            "provider configuration",
            &mut diags,
        ) {
            validate_config(
                &self.provider_schema.block,
                &v,
                &AttrPath::root(),
                &mut diags,
            );
            self.provider.validate(&v, &mut diags);
        }
        diags
    }

    pub async fn configure(&self, terraform_version: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some(v) = decode_or_diag(
            config,
            &self.provider_schema.ty(),
            "provider configuration",
            &mut diags,
        ) else {
            return diags;
        };
        if let Some(data) = self
            .provider
            .configure(terraform_version, &v, &mut diags)
            .await
        {
            // Configured once per process; Terraform never configures twice.
            let _ = self.data.set(Arc::new(data));
        }
        diags
    }

    pub fn validate_resource_config(&self, type_name: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((r, s, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return diags;
        };
        if let Some(v) = validate_value(&s.block, t, config, &mut diags) {
            r.validate(&v, &mut diags);
        }
        diags
    }

    pub fn validate_data_source_config(&self, type_name: &str, config: &Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some((r, s, t)) = self.data_sources.get(type_name) else {
            unknown_type(&mut diags, "data source", type_name);
            return diags;
        };
        if let Some(v) = validate_value(&s.block, t, config, &mut diags) {
            r.validate(&v, &mut diags);
        }
        diags
    }

    pub fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        json: &[u8],
    ) -> (Option<Dynamic>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let Some((r, s, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return (None, diags);
        };
        if json.is_empty() {
            return (Some(Dynamic::encode(&Value::Null, t)), diags);
        }
        let raw: serde_json::Value = match serde_json::from_slice(json) {
            Ok(j) => j,
            Err(e) => {
                diags.error(
                    "Invalid stored state",
                    format!("The state of this resource is not valid JSON: {e}"),
                );
                return (None, diags);
            }
        };
        if version > s.version {
            diags.error(
                "State from a newer provider",
                format!(
                    "The state was written by schema version {version}; this provider knows up to {}. Upgrade the provider.",
                    s.version
                ),
            );
            return (None, diags);
        }
        let upgraded = if version < s.version {
            r.upgrade_state(version, &raw, &mut diags)
        } else {
            None
        };
        let v = match upgraded {
            Some(v) => v,
            None => match codec::from_json(&raw, t, "", true) {
                Ok(v) => v,
                Err(e) => {
                    diags.error(
                        "Invalid stored state",
                        format!("The stored state does not match the schema: {e}"),
                    );
                    return (None, diags);
                }
            },
        };
        (Some(Dynamic::encode(&v, t)), diags)
    }

    /// A `moved` block from another resource type: the target type maps
    /// the source's raw JSON state into its own.
    pub fn move_resource_state(
        &self,
        source_provider: &str,
        source_type: &str,
        source_json: &[u8],
        target_type: &str,
    ) -> (Option<Dynamic>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let Some((_, _, t)) = self.resources.get(target_type) else {
            unknown_type(&mut diags, "resource", target_type);
            return (None, diags);
        };
        let raw: serde_json::Value = match serde_json::from_slice(source_json) {
            Ok(j) => j,
            Err(e) => {
                diags.error(
                    "Invalid source state",
                    format!("The state of {source_type} is not valid JSON: {e}"),
                );
                return (None, diags);
            }
        };
        let Some(moved) = self
            .provider
            .move_state(target_type, source_provider, source_type, &raw)
        else {
            diags.error(
                "Unsupported move",
                format!("{target_type} cannot take the state of {source_type} (from {source_provider})."),
            );
            return (None, diags);
        };
        match codec::from_json(&moved, t, "", true) {
            Ok(v) => (Some(Dynamic::encode(&v, t)), diags),
            Err(e) => {
                diags.error(
                    "Unsupported move",
                    format!("The state of {source_type} does not fit {target_type}: {e}"),
                );
                (None, diags)
            }
        }
    }

    pub async fn read_resource(
        &self,
        type_name: &str,
        state: &Dynamic,
        private: Vec<u8>,
    ) -> ReadOutcome {
        let company = self.reading.get(type_name).cloned().unwrap_or_default();
        let _counted = company.join();
        let mut diags = Diagnostics::default();
        let fail = |diags| ReadOutcome {
            state: state.clone(),
            private: Vec::new(),
            identity: None,
            diags,
        };
        let Some((r, _, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return fail(diags);
        };
        let Some(current) = decode_or_diag(state, t, "state", &mut diags) else {
            return fail(diags);
        };
        let Some(data) = self.data(&mut diags) else {
            return fail(diags);
        };
        let mut resp = ReadResponse {
            state: current.clone(),
            private: private.clone(),
            diags: Diagnostics::default(),
        };
        r.read(
            &data,
            ReadRequest {
                state: current,
                private,
                stop: self.stop.clone(),
                company,
            },
            &mut resp,
        )
        .await;
        unknowns_to_null(&mut resp.state);
        ReadOutcome {
            identity: self.identity_of(r, &resp.state),
            state: Dynamic::encode(&resp.state, t),
            private: resp.private,
            diags: resp.diags,
        }
    }

    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        prior: &Dynamic,
        proposed: &Dynamic,
        config: &Dynamic,
        prior_private: Vec<u8>,
    ) -> PlanOutcome {
        let mut diags = Diagnostics::default();
        let fail = |diags| PlanOutcome {
            planned: proposed.clone(),
            requires_replace: Vec::new(),
            private: Vec::new(),
            identity: None,
            diags,
        };
        let Some((r, s, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return fail(diags);
        };
        let Some((prior_v, proposed_v, config_v)) = decode_triple(
            [
                (prior, "prior state"),
                (proposed, "proposed state"),
                (config, "configuration"),
            ],
            t,
            &mut diags,
        ) else {
            return fail(diags);
        };
        let owned = super::ownership::Owned::from_private(&prior_private);
        let core = plan::plan(&s.block, &prior_v, &proposed_v, &config_v, &owned);
        let mut resp = PlanResponse {
            planned: core.planned,
            requires_replace: core.requires_replace,
            private: prior_private.clone(),
            diags: Diagnostics::default(),
        };
        if !proposed_v.is_null() {
            let data = self.data.get().cloned();
            let req = PlanRequest {
                prior: &prior_v,
                config: &config_v,
                proposed: &proposed_v,
                prior_private: &prior_private,
            };
            r.plan(data.as_deref(), &req, &mut resp).await;
        }
        let identity = if resp.planned.is_null() {
            None
        } else {
            self.identity_of(r, &prior_v)
        };
        PlanOutcome {
            planned: Dynamic::encode(&resp.planned, t),
            requires_replace: resp.requires_replace,
            private: resp.private,
            identity,
            diags: resp.diags,
        }
    }

    pub async fn apply_resource_change(
        &self,
        type_name: &str,
        prior: &Dynamic,
        planned: &Dynamic,
        config: &Dynamic,
        private: Vec<u8>,
    ) -> ApplyOutcome {
        let mut diags = Diagnostics::default();
        let fail = |diags| ApplyOutcome {
            state: prior.clone(),
            private: Vec::new(),
            identity: None,
            diags,
        };
        let Some((r, s, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return fail(diags);
        };
        let Some((prior_v, planned_v, config_v)) = decode_triple(
            [
                (prior, "prior state"),
                (planned, "planned state"),
                (config, "configuration"),
            ],
            t,
            &mut diags,
        ) else {
            return fail(diags);
        };
        let Some(data) = self.data(&mut diags) else {
            return fail(diags);
        };
        let creating = prior_v.is_null();
        let destroying = planned_v.is_null();
        let initial = if destroying {
            prior_v.clone()
        } else if creating {
            Value::Null
        } else {
            planned_v.clone()
        };
        let mut resp = ApplyResponse {
            state: initial,
            private: private.clone(),
            diags: Diagnostics::default(),
        };
        let owned = super::ownership::Owned::from_private(&private);
        let local_only = !creating && plan::local_only_change(&s.block, &prior_v, &planned_v);
        let config_after = config_v.clone();
        let req = ApplyRequest {
            prior: prior_v,
            planned: planned_v,
            config: config_v,
            private,
            stop: self.stop.clone(),
        };
        if local_only {
            // only configuration-only attributes (timeouts, ...) changed:
            // nothing to send; the state takes the planned values
            resp.state = req.planned.clone();
        } else if destroying {
            r.delete(&data, req, &mut resp).await;
            if !resp.diags.has_errors() {
                // post-condition: a destroyed resource has a null state
                resp.state = Value::Null;
            }
        } else if creating {
            r.create(&data, req, &mut resp).await;
        } else {
            r.update(&data, req, &mut resp).await;
        }
        if !destroying && !resp.state.is_null() {
            let failed = resp.diags.has_errors();
            resp.private = owned
                .after_apply(&s.block, &config_after, failed)
                .into_private(&resp.private);
        }
        if !destroying && !resp.state.is_null() && !resp.state.is_wholly_known() {
            if !resp.diags.has_errors() {
                resp.diags.error(
                    "Provider left unknown values after apply",
                    format!("{type_name}: every attribute must be known after apply. This is a bug in the provider."),
                );
            }
            unknowns_to_null(&mut resp.state);
        }
        if creating && resp.state.is_null() && !resp.diags.has_errors() {
            resp.diags.error(
                "Provider produced no state after create",
                format!("{type_name}: create succeeded but returned no state. This is a bug in the provider."),
            );
        }
        ApplyOutcome {
            identity: self.identity_of(r, &resp.state),
            state: Dynamic::encode(&resp.state, t),
            private: resp.private,
            diags: resp.diags,
        }
    }

    pub async fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
        identity: Option<&Dynamic>,
    ) -> ImportOutcome {
        let mut diags = Diagnostics::default();
        let Some((r, schema, t)) = self.resources.get(type_name) else {
            unknown_type(&mut diags, "resource", type_name);
            return ImportOutcome {
                state: None,
                identity: None,
                diags,
            };
        };
        let Some(data) = self.data(&mut diags) else {
            return ImportOutcome {
                state: None,
                identity: None,
                diags,
            };
        };
        let identity_v = match (identity, r.identity_schema()) {
            (Some(d), Some(is)) if !d.msgpack.is_empty() || !d.json.is_empty() => {
                match decode_or_diag(d, &is.ty(), "identity", &mut diags) {
                    Some(v) => Some(v),
                    None => {
                        return ImportOutcome {
                            state: None,
                            identity: None,
                            diags,
                        }
                    }
                }
            }
            _ => None,
        };
        if identity_v.is_none() && id.is_empty() {
            diags.error(
                "Missing import ID",
                format!("Give the ID of the {type_name} to import."),
            );
            return ImportOutcome {
                state: None,
                identity: None,
                diags,
            };
        }
        let mut resp = ImportResponse {
            state: Value::null_object(t),
            diags: Diagnostics::default(),
        };
        r.import(
            &data,
            ImportRequest {
                id: id.to_string(),
                identity: identity_v,
            },
            &mut resp,
        )
        .await;
        unknowns_to_null(&mut resp.state);
        // settings that live only in configuration (force_delete...) take
        // their defaults, as a resource created with them unset would have
        if !resp.state.is_null() {
            for a in &schema.block.attributes {
                if let Some(d) = &a.default {
                    if resp.state.get(&a.name).is_null() {
                        resp.state.set(&a.name, d.clone());
                    }
                }
            }
        }
        ImportOutcome {
            identity: self.identity_of(r, &resp.state),
            state: Some(Dynamic::encode(&resp.state, t)),
            diags: resp.diags,
        }
    }

    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: &Dynamic,
    ) -> (Option<Dynamic>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let Some((r, _, t)) = self.data_sources.get(type_name) else {
            unknown_type(&mut diags, "data source", type_name);
            return (None, diags);
        };
        let Some(config_v) = decode_or_diag(config, t, "configuration", &mut diags) else {
            return (None, diags);
        };
        let Some(data) = self.data(&mut diags) else {
            return (None, diags);
        };
        let mut resp = DataReadResponse {
            state: config_v.clone(),
            diags: Diagnostics::default(),
        };
        r.read(
            &data,
            DataReadRequest {
                config: config_v,
                stop: self.stop.clone(),
            },
            &mut resp,
        )
        .await;
        if !resp.diags.has_errors() && !resp.state.is_wholly_known() {
            resp.diags.error(
                "Provider left unknown values",
                format!("{type_name}: every attribute must be known after a read. This is a bug in the provider."),
            );
        }
        unknowns_to_null(&mut resp.state);
        (Some(Dynamic::encode(&resp.state, t)), resp.diags)
    }
}

#[cfg(test)]
mod list_tests {
    use super::*;
    use crate::framework::schema::{Attribute, Block};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Reads in progress now, and the most at once.
    #[derive(Default)]
    struct Reads {
        now: AtomicUsize,
        peak: AtomicUsize,
        total: AtomicUsize,
    }

    struct Things;

    #[async_trait]
    impl Resource<Reads> for Things {
        fn type_name(&self) -> &'static str {
            "test_thing"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                0,
                Block::new("A thing.").attr(Attribute::string("id").computed()),
            )
        }
        fn identity_schema(&self) -> Option<IdentitySchema> {
            Some(IdentitySchema::id_only("The ID."))
        }
        fn list_schema(&self) -> Option<Schema> {
            Some(Schema::new(0, Block::new("Every thing.")))
        }
        async fn list(
            &self,
            _: &Reads,
            _: &Value,
            _: Option<usize>,
            _: &mut Diagnostics,
        ) -> Vec<Listed> {
            (0..10)
                .map(|i| Listed {
                    id: format!("t{i}"),
                    display_name: format!("thing {i}"),
                })
                .collect()
        }
        async fn read(&self, data: &Reads, req: ReadRequest, resp: &mut ReadResponse) {
            data.total.fetch_add(1, Ordering::SeqCst);
            let now = data.now.fetch_add(1, Ordering::SeqCst) + 1;
            data.peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            data.now.fetch_sub(1, Ordering::SeqCst);
            // t3 is gone by the time it is read
            resp.state = match req.state.get("id").opt_str().as_deref() {
                Some("t3") => Value::Null,
                _ => req.state,
            };
        }
        async fn create(&self, _: &Reads, _: ApplyRequest, _: &mut ApplyResponse) {}
        async fn update(&self, _: &Reads, _: ApplyRequest, _: &mut ApplyResponse) {}
        async fn delete(&self, _: &Reads, _: ApplyRequest, _: &mut ApplyResponse) {}
    }

    struct Things3;

    #[async_trait]
    impl Provider for Things3 {
        type Data = Reads;
        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("Test provider."))
        }
        fn resources(&self) -> Vec<Arc<dyn Resource<Reads>>> {
            vec![Arc::new(Things)]
        }
        fn data_sources(&self) -> Vec<Arc<dyn crate::framework::DataSource<Reads>>> {
            Vec::new()
        }
        async fn configure(&self, _: &str, _: &Value, _: &mut Diagnostics) -> Option<Reads> {
            Some(Reads::default())
        }
        fn list_concurrency(&self, _: &Reads) -> usize {
            3
        }
    }

    #[tokio::test]
    async fn query_reads_at_most_the_provider_concurrency_in_listing_order() {
        let rt = Runtime::new(Things3);
        let empty = Type::object(Vec::<(String, Type)>::new());
        let none = Value::Object(Default::default());
        assert!(rt
            .configure("1.15.5", &Dynamic::encode(&none, &empty))
            .await
            .0
            .is_empty());
        assert_eq!(rt.list_concurrency(), 3);
        let (objects, diags) = rt
            .list_resource("test_thing", &Dynamic::encode(&none, &empty), true, 0)
            .await;
        assert!(diags.0.is_empty(), "{diags:?}");
        let names: Vec<&str> = objects.iter().map(|o| o.display_name.as_str()).collect();
        // in the listing's order, without the one gone meanwhile
        assert_eq!(
            names,
            [
                "thing 0", "thing 1", "thing 2", "thing 4", "thing 5", "thing 6", "thing 7",
                "thing 8", "thing 9"
            ]
        );
        assert!(objects.iter().all(|o| o.object.is_some()));
        let data = rt.data.get().unwrap();
        // import reads nothing; each object is read once, three at a time
        assert_eq!(data.peak.load(Ordering::SeqCst), 3);
        assert_eq!(data.total.load(Ordering::SeqCst), 10);
        // limit: the first two, and no object beyond them is read
        let (two, _) = rt
            .list_resource("test_thing", &Dynamic::encode(&none, &empty), false, 2)
            .await;
        assert_eq!(
            two.iter()
                .map(|o| o.display_name.as_str())
                .collect::<Vec<_>>(),
            ["thing 0", "thing 1"]
        );
        assert!(two.iter().all(|o| o.object.is_none()));
        assert_eq!(data.total.load(Ordering::SeqCst), 12);
    }
}

#[cfg(test)]
mod ephemeral_tests {
    use super::*;
    use crate::framework::schema::{Attribute, Block};
    use crate::framework::{CloseRequest, EphemeralResource, OpenRequest, OpenResponse};
    use std::sync::Mutex;

    /// What the provider saw: opened secrets and closed handles.
    #[derive(Default)]
    struct Seen {
        closed: Mutex<Vec<Vec<u8>>>,
    }

    struct Secret;

    #[async_trait]
    impl EphemeralResource<Seen> for Secret {
        fn type_name(&self) -> &'static str {
            "test_secret"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                0,
                Block::new("t")
                    .attr(Attribute::string("name").required())
                    .attr(Attribute::string("value").computed()),
            )
        }
        fn validate(&self, config: &Value, diags: &mut Diagnostics) {
            if config.get("name").as_str() == Some("bad") {
                diags.error_at(AttrPath::attr("name"), "Bad name", "bad");
            }
        }
        async fn open(&self, _: &Seen, req: OpenRequest, resp: &mut OpenResponse) {
            let name = req
                .config
                .get("name")
                .as_str()
                .unwrap_or_default()
                .to_string();
            if name == "leave-unknown" {
                resp.result.set("value", Value::Unknown);
                return;
            }
            if name == "fail" {
                return resp.diags.error("Refused", "no");
            }
            resp.result
                .set("value", Value::String(format!("secret-of-{name}")));
            resp.private = Some(name.into_bytes());
            resp.renew_at = Some(std::time::UNIX_EPOCH);
        }
        async fn close(&self, data: &Seen, req: CloseRequest, _: &mut Diagnostics) {
            data.closed
                .lock()
                .unwrap()
                .push(req.private.unwrap_or_default());
        }
    }

    struct P;

    #[async_trait]
    impl Provider for P {
        type Data = Seen;
        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("p"))
        }
        fn resources(&self) -> Vec<Arc<dyn Resource<Seen>>> {
            vec![]
        }
        fn data_sources(&self) -> Vec<Arc<dyn crate::framework::DataSource<Seen>>> {
            vec![]
        }
        fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<Seen>>> {
            vec![Arc::new(Secret)]
        }
        async fn configure(&self, _: &str, _: &Value, _: &mut Diagnostics) -> Option<Seen> {
            Some(Seen::default())
        }
    }

    fn config(name: Value) -> Dynamic {
        let t = Secret.schema().ty();
        let v = Value::Object(
            [
                ("name".to_string(), name),
                ("value".to_string(), Value::Null),
            ]
            .into_iter()
            .collect(),
        );
        Dynamic::encode(&v, &t)
    }

    async fn configured() -> Runtime<P> {
        let rt = Runtime::new(P);
        let empty = Dynamic::encode(&Value::Object(Default::default()), &P.schema().ty());
        assert!(rt.configure("1.15.0", &empty).await.is_empty());
        rt
    }

    #[test]
    fn registered_with_schema_and_name() {
        let rt = Runtime::new(P);
        assert_eq!(
            rt.ephemeral_resource_names(),
            vec!["test_secret".to_string()]
        );
        assert!(rt.schemas().ephemeral_resources.contains_key("test_secret"));
    }

    #[test]
    fn validation_runs_schema_and_type_checks() {
        let rt = Runtime::new(P);
        let cases: &[(Value, Option<&str>)] = &[
            (Value::String("ok".into()), None),
            (Value::Unknown, None),
            (Value::String("bad".into()), Some("Bad name")),
        ];
        for (name, want) in cases {
            let d = rt.validate_ephemeral_config("test_secret", &config(name.clone()));
            let got: Vec<_> = d.iter().map(|d| d.summary.as_str()).collect();
            match want {
                None => assert!(got.is_empty(), "{name:?}: {got:?}"),
                Some(w) => assert!(got.iter().any(|g| g.contains(w)), "{name:?}: {got:?}"),
            }
        }
        let d = rt.validate_ephemeral_config("test_other", &config(Value::Null));
        assert!(d.has_errors());
    }

    #[tokio::test]
    async fn open_renew_close_round_trip() {
        let rt = configured().await;
        let o = rt
            .open_ephemeral("test_secret", &config(Value::String("a".into())))
            .await;
        assert!(o.diags.is_empty());
        let result = o.result.unwrap().decode(&Secret.schema().ty()).unwrap();
        assert_eq!(result.get("value").as_str(), Some("secret-of-a"));
        assert_eq!(result.get("name").as_str(), Some("a"));
        assert_eq!(o.private.as_deref(), Some(&b"a"[..]));
        assert_eq!(o.renew_at, Some(std::time::UNIX_EPOCH));
        // the default renewal hands the private data back unchanged
        let r = rt.renew_ephemeral("test_secret", o.private.clone()).await;
        assert!(r.diags.is_empty());
        assert_eq!(r.private.as_deref(), Some(&b"a"[..]));
        assert!(rt
            .close_ephemeral("test_secret", o.private)
            .await
            .is_empty());
        let seen = rt.data.get().unwrap();
        assert_eq!(*seen.closed.lock().unwrap(), vec![b"a".to_vec()]);
    }

    #[tokio::test]
    async fn open_refuses_unknown_config_and_unknown_results() {
        let rt = configured().await;
        let o = rt
            .open_ephemeral("test_secret", &config(Value::Unknown))
            .await;
        assert!(o.result.is_none());
        assert!(o.diags.has_errors());
        let o = rt
            .open_ephemeral(
                "test_secret",
                &config(Value::String("leave-unknown".into())),
            )
            .await;
        assert!(o
            .diags
            .iter()
            .any(|d| d.summary == "Provider left unknown values"));
        let v = o.result.unwrap().decode(&Secret.schema().ty()).unwrap();
        assert!(v.get("value").is_null());
        let o = rt
            .open_ephemeral("test_secret", &config(Value::String("fail".into())))
            .await;
        assert!(o.result.is_none());
        assert_eq!(o.diags.iter().next().unwrap().summary, "Refused");
    }

    #[tokio::test]
    async fn open_before_configure_is_an_error() {
        let rt = Runtime::new(P);
        let o = rt
            .open_ephemeral("test_secret", &config(Value::String("a".into())))
            .await;
        assert!(o.result.is_none());
        assert!(o.diags.has_errors());
    }
}
