//! The tfplugin6 Provider service, plus go-plugin's controller and the gRPC
//! health service. Each RPC converts its request, calls the runtime and
//! converts the answer back; failures travel as diagnostics.

use std::collections::HashMap;
use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::framework::runtime::{Provider, Runtime};
use crate::framework::Diagnostics;

use super::convert::*;
use super::proto::goplugin;
use super::proto::health;
use super::proto::tfplugin6 as pb;

pub struct ProviderService<P: Provider> {
    rt: Arc<Runtime<P>>,
    /// Built once per process: Terraform asks for it several times.
    schema: pb::get_provider_schema::Response,
    identity: pb::get_resource_identity_schemas::Response,
    metadata: pb::get_metadata::Response,
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: true,
        generate_resource_config: true,
    }
}

impl<P: Provider> ProviderService<P> {
    pub fn new(rt: Arc<Runtime<P>>) -> ProviderService<P> {
        let s = rt.schemas();
        let schema = pb::get_provider_schema::Response {
            provider: Some(schema_out(&s.provider)),
            resource_schemas: s
                .resources
                .iter()
                .map(|(k, v)| (k.clone(), schema_out(v)))
                .collect(),
            data_source_schemas: s
                .data_sources
                .iter()
                .map(|(k, v)| (k.clone(), schema_out(v)))
                .collect(),
            action_schemas: s
                .actions
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        pb::ActionSchema {
                            schema: Some(schema_out(v)),
                        },
                    )
                })
                .collect(),
            ephemeral_resource_schemas: s
                .ephemeral_resources
                .iter()
                .map(|(k, v)| (k.clone(), schema_out(v)))
                .collect(),
            list_resource_schemas: s
                .lists
                .iter()
                .map(|(k, v)| (k.clone(), schema_out(v)))
                .collect(),
            functions: functions_out(&rt.functions()),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        let identity = pb::get_resource_identity_schemas::Response {
            identity_schemas: s
                .identities
                .iter()
                .map(|(k, v)| (k.clone(), identity_schema_out(v)))
                .collect::<HashMap<_, _>>(),
            diagnostics: vec![],
        };
        let metadata = pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: rt
                .resource_names()
                .into_iter()
                .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                .collect(),
            data_sources: rt
                .data_source_names()
                .into_iter()
                .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                .collect(),
            list_resources: s
                .lists
                .keys()
                .map(|type_name| pb::get_metadata::ListResourceMetadata {
                    type_name: type_name.clone(),
                })
                .collect(),
            ephemeral_resources: rt
                .ephemeral_resource_names()
                .into_iter()
                .map(|type_name| pb::get_metadata::EphemeralMetadata { type_name })
                .collect(),
            actions: rt
                .action_names()
                .into_iter()
                .map(|type_name| pb::get_metadata::ActionMetadata { type_name })
                .collect(),
            functions: rt
                .functions()
                .into_iter()
                .map(|f| pb::get_metadata::FunctionMetadata {
                    name: f.name.to_string(),
                })
                .collect(),
            ..Default::default()
        };
        ProviderService {
            rt,
            schema,
            identity,
            metadata,
        }
    }
}

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _r: Request<pb::get_metadata::Request>,
    ) -> R<pb::get_metadata::Response> {
        Ok(Response::new(self.metadata.clone()))
    }

    async fn get_provider_schema(
        &self,
        _r: Request<pb::get_provider_schema::Request>,
    ) -> R<pb::get_provider_schema::Response> {
        Ok(Response::new(self.schema.clone()))
    }

    async fn get_resource_identity_schemas(
        &self,
        _r: Request<pb::get_resource_identity_schemas::Request>,
    ) -> R<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(self.identity.clone()))
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> R<pb::validate_provider_config::Response> {
        let d = self
            .rt
            .validate_provider_config(&dynamic_in(r.into_inner().config));
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> R<pb::validate_resource_config::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .validate_resource_config(&r.type_name, &dynamic_in(r.config));
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<pb::validate_data_resource_config::Request>,
    ) -> R<pb::validate_data_resource_config::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .validate_data_source_config(&r.type_name, &dynamic_in(r.config));
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> R<pb::upgrade_resource_state::Response> {
        let r = r.into_inner();
        let json = r.raw_state.map(|s| s.json).unwrap_or_default();
        let (state, d) = self
            .rt
            .upgrade_resource_state(&r.type_name, r.version, &json);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state: state.map(dynamic_out),
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn move_resource_state(
        &self,
        r: Request<pb::move_resource_state::Request>,
    ) -> R<pb::move_resource_state::Response> {
        let r = r.into_inner();
        let json = r.source_state.map(|s| s.json).unwrap_or_default();
        let (state, d) = self.rt.move_resource_state(
            &r.source_provider_address,
            &r.source_type_name,
            &json,
            &r.target_type_name,
        );
        Ok(Response::new(pb::move_resource_state::Response {
            target_state: state.map(dynamic_out),
            diagnostics: diagnostics_out(&d),
            target_private: vec![],
            target_identity: None,
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        r: Request<pb::upgrade_resource_identity::Request>,
    ) -> R<pb::upgrade_resource_identity::Response> {
        // Identity schemas are at version 0: stored identity is taken as is.
        let r = r.into_inner();
        let json = r.raw_identity.map(|s| s.json).unwrap_or_default();
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(pb::ResourceIdentityData {
                identity_data: Some(pb::DynamicValue {
                    msgpack: vec![],
                    json,
                }),
            }),
            diagnostics: vec![],
        }))
    }

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> R<pb::configure_provider::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .configure(&r.terraform_version, &dynamic_in(r.config))
            .await;
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> R<pb::read_resource::Response> {
        let r = r.into_inner();
        let o = self
            .rt
            .read_resource(&r.type_name, &dynamic_in(r.current_state), r.private)
            .await;
        Ok(Response::new(pb::read_resource::Response {
            new_state: Some(dynamic_out(o.state)),
            diagnostics: diagnostics_out(&o.diags),
            private: o.private,
            deferred: None,
            new_identity: identity_out(o.identity),
        }))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> R<pb::plan_resource_change::Response> {
        let r = r.into_inner();
        let o = self
            .rt
            .plan_resource_change(
                &r.type_name,
                &dynamic_in(r.prior_state),
                &dynamic_in(r.proposed_new_state),
                &dynamic_in(r.config),
                r.prior_private,
            )
            .await;
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state: Some(dynamic_out(o.planned)),
            requires_replace: o.requires_replace.iter().map(path_out).collect(),
            planned_private: o.private,
            diagnostics: diagnostics_out(&o.diags),
            legacy_type_system: false,
            deferred: None,
            planned_identity: identity_out(o.identity),
        }))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> R<pb::apply_resource_change::Response> {
        let r = r.into_inner();
        let o = self
            .rt
            .apply_resource_change(
                &r.type_name,
                &dynamic_in(r.prior_state),
                &dynamic_in(r.planned_state),
                &dynamic_in(r.config),
                r.planned_private,
            )
            .await;
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state: Some(dynamic_out(o.state)),
            private: o.private,
            diagnostics: diagnostics_out(&o.diags),
            legacy_type_system: false,
            new_identity: identity_out(o.identity),
        }))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> R<pb::import_resource_state::Response> {
        let r = r.into_inner();
        let identity = identity_in(r.identity);
        let o = self
            .rt
            .import_resource_state(&r.type_name, &r.id, identity.as_ref())
            .await;
        let imported = o
            .state
            .map(|s| {
                vec![pb::import_resource_state::ImportedResource {
                    type_name: r.type_name.clone(),
                    state: Some(dynamic_out(s)),
                    private: vec![],
                    identity: identity_out(o.identity),
                }]
            })
            .unwrap_or_default();
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: diagnostics_out(&o.diags),
            deferred: None,
        }))
    }

    async fn read_data_source(
        &self,
        r: Request<pb::read_data_source::Request>,
    ) -> R<pb::read_data_source::Response> {
        let r = r.into_inner();
        let (state, d) = self
            .rt
            .read_data_source(&r.type_name, &dynamic_in(r.config))
            .await;
        Ok(Response::new(pb::read_data_source::Response {
            state: state.map(dynamic_out),
            diagnostics: diagnostics_out(&d),
            deferred: None,
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> R<pb::validate_ephemeral_resource_config::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .validate_ephemeral_config(&r.type_name, &dynamic_in(r.config));
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: diagnostics_out(&d),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<pb::open_ephemeral_resource::Request>,
    ) -> R<pb::open_ephemeral_resource::Response> {
        let r = r.into_inner();
        let o = self
            .rt
            .open_ephemeral(&r.type_name, &dynamic_in(r.config))
            .await;
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: diagnostics_out(&o.diags),
            renew_at: o.renew_at.map(timestamp_out),
            result: o.result.map(dynamic_out),
            private: o.private,
            deferred: None,
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<pb::renew_ephemeral_resource::Request>,
    ) -> R<pb::renew_ephemeral_resource::Response> {
        let r = r.into_inner();
        let o = self.rt.renew_ephemeral(&r.type_name, r.private).await;
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: diagnostics_out(&o.diags),
            renew_at: o.renew_at.map(timestamp_out),
            private: o.private,
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<pb::close_ephemeral_resource::Request>,
    ) -> R<pb::close_ephemeral_resource::Response> {
        let r = r.into_inner();
        let d = self.rt.close_ephemeral(&r.type_name, r.private).await;
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<pb::validate_list_resource_config::Request>,
    ) -> R<pb::validate_list_resource_config::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .validate_list_config(&r.type_name, &dynamic_in(r.config));
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    /// One event per object found, sent as soon as it is read (at most the
    /// provider's list concurrency read at once, in the listing's order);
    /// diagnostics travel in events of their own.
    async fn list_resource(
        &self,
        r: Request<pb::list_resource::Request>,
    ) -> R<tonic::codegen::BoxStream<pb::list_resource::Event>> {
        use futures::StreamExt;
        let r = r.into_inner();
        let (found, d) = self
            .rt
            .list_found(&r.type_name, &dynamic_in(r.config), r.limit)
            .await;
        let diagnostics = |d: &Diagnostics| pb::list_resource::Event {
            diagnostic: diagnostics_out(d),
            ..Default::default()
        };
        let first: Vec<Result<pb::list_resource::Event, Status>> = match d.0.is_empty() {
            true => vec![],
            false => vec![Ok(diagnostics(&d))],
        };
        let rt = self.rt.clone();
        let type_name = r.type_name;
        let include = r.include_resource_object;
        let concurrency = rt.list_concurrency();
        let objects = futures::stream::iter(found)
            .map(move |item| {
                let rt = rt.clone();
                let type_name = type_name.clone();
                async move { rt.list_item(&type_name, &item, include).await }
            })
            .buffered(concurrency)
            .flat_map(move |(object, d)| {
                let mut events = Vec::new();
                if let Some(o) = object {
                    events.push(Ok(pb::list_resource::Event {
                        identity: identity_out(Some(o.identity)),
                        display_name: o.display_name,
                        resource_object: o.object.map(dynamic_out),
                        diagnostic: vec![],
                    }));
                }
                if !d.0.is_empty() {
                    events.push(Ok(diagnostics(&d)));
                }
                futures::stream::iter(events)
            });
        Ok(Response::new(Box::pin(
            futures::stream::iter(first).chain(objects),
        )))
    }

    async fn generate_resource_config(
        &self,
        r: Request<pb::generate_resource_config::Request>,
    ) -> R<pb::generate_resource_config::Response> {
        let r = r.into_inner();
        let (config, d) = self
            .rt
            .generate_resource_config(&r.type_name, &dynamic_in(r.state));
        Ok(Response::new(pb::generate_resource_config::Response {
            config: config.map(dynamic_out),
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn validate_action_config(
        &self,
        r: Request<pb::validate_action_config::Request>,
    ) -> R<pb::validate_action_config::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .validate_action_config(&r.type_name, &dynamic_in(r.config));
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: diagnostics_out(&d),
        }))
    }

    async fn plan_action(
        &self,
        r: Request<pb::plan_action::Request>,
    ) -> R<pb::plan_action::Response> {
        let r = r.into_inner();
        let d = self
            .rt
            .plan_action(&r.action_type, &dynamic_in(r.config))
            .await;
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: diagnostics_out(&d),
            deferred: None,
        }))
    }

    /// Progress events while the action runs, then one completed event
    /// with its diagnostics.
    async fn invoke_action(
        &self,
        r: Request<pb::invoke_action::Request>,
    ) -> R<tonic::codegen::BoxStream<pb::invoke_action::Event>> {
        use pb::invoke_action::event::{Completed, Progress, Type};
        let r = r.into_inner();
        let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let rt = self.rt.clone();
        let config = dynamic_in(r.config);
        tokio::spawn(async move {
            let progress = crate::framework::Progress::new(progress_tx);
            let d = rt.invoke_action(&r.action_type, &config, progress).await;
            let _ = done_tx.send(d);
        });
        tokio::spawn(async move {
            // the progress channel closes once the action has returned (its
            // senders are dropped with it), so "completed" comes last
            while let Some(message) = progress_rx.recv().await {
                let event = pb::invoke_action::Event {
                    r#type: Some(Type::Progress(Progress { message })),
                };
                let _ = events_tx.send(Ok(event));
            }
            let d = done_rx.await.unwrap_or_else(|_| {
                let mut d = crate::framework::Diagnostics::default();
                d.error("Action failed", "The action ended without a result.");
                d
            });
            let _ = events_tx.send(Ok(pb::invoke_action::Event {
                r#type: Some(Type::Completed(Completed {
                    diagnostics: diagnostics_out(&d),
                })),
            }));
        });
        let stream = tokio_stream::wrappers::UnboundedReceiverStream::new(events_rx);
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_functions(
        &self,
        _r: Request<pb::get_functions::Request>,
    ) -> R<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self.schema.functions.clone(),
            diagnostics: vec![],
        }))
    }

    /// A function's result, or its error (naming the argument when it is
    /// about one); never a diagnostic.
    async fn call_function(
        &self,
        r: Request<pb::call_function::Request>,
    ) -> R<pb::call_function::Response> {
        let r = r.into_inner();
        let args: Vec<_> = r
            .arguments
            .into_iter()
            .map(|a| dynamic_in(Some(a)))
            .collect();
        let response = match self.rt.call_function(&r.name, &args) {
            Ok(result) => pb::call_function::Response {
                result: Some(dynamic_out(result)),
                error: None,
            },
            Err(e) => pb::call_function::Response {
                result: None,
                error: Some(function_error_out(&e)),
            },
        };
        Ok(Response::new(response))
    }

    async fn stop_provider(
        &self,
        _r: Request<pb::stop_provider::Request>,
    ) -> R<pb::stop_provider::Response> {
        tracing::info!("stop requested by Terraform");
        self.rt.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

/// go-plugin's controller: Shutdown ends the process gracefully.
pub struct Controller {
    pub shutdown: Arc<tokio::sync::Notify>,
    pub ignore_shutdown: bool,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _r: Request<goplugin::Empty>) -> R<goplugin::Empty> {
        if !self.ignore_shutdown {
            self.shutdown.notify_one();
        }
        Ok(Response::new(goplugin::Empty {}))
    }
}

pub struct Health;

#[tonic::async_trait]
impl health::health_server::Health for Health {
    async fn check(
        &self,
        _r: Request<health::HealthCheckRequest>,
    ) -> R<health::HealthCheckResponse> {
        Ok(Response::new(health::HealthCheckResponse {
            status: health::health_check_response::ServingStatus::Serving as i32,
        }))
    }
}
