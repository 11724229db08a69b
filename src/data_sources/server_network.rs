//! The `network` attribute of the `nova_server` data source: one element
//! per interface of the server, as terraform-provider-openstack's
//! `openstack_compute_instance_v2` data source reports them.
//!
//! Interfaces come from `GET /servers/{server_id}/os-interface` (Nova API
//! reference "List Port Interfaces"); each is matched to its network's name
//! through the server's `addresses` (keyed by network name, by MAC or fixed
//! IP), else through the network API (`GET /v2.0/networks/{network_id}`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::client::documents::{self, InterfaceAttachment};
use crate::client::{path_segment, Call, Service};
use crate::configured::NovaData;
use crate::framework::{Attr, Attribute, Type};
use crate::resources::server::model::{flatten_networks, NetworkModel, ServerModel};
use crate::tf_model;

tf_model! {
    /// One element of `network`: an interface of the server. `uuid` is the
    /// network's ID, `name` its name (null when neither the server's
    /// addresses nor the network API name it), `port` the port ID,
    /// `fixed_ip_v4`/`fixed_ip_v6` the interface's first address of each
    /// version, `mac` its MAC address; null where the cloud reports none.
    pub struct NetworkItem {
        pub uuid: Attr<String>,
        pub name: Attr<String>,
        pub port: Attr<String>,
        pub fixed_ip_v4: Attr<String>,
        pub fixed_ip_v6: Attr<String>,
        pub mac: Attr<String>,
    }
}

tf_model! {
    /// The part of the `nova_server` data source's state that the
    /// resource's model does not write.
    pub struct ServerNetworks {
        pub network: Attr<Vec<NetworkItem>>,
    }
}

/// The `network` attribute: a computed list of objects.
pub fn attribute() -> Attribute {
    let item = Type::object([
        ("uuid", Type::String),
        ("name", Type::String),
        ("port", Type::String),
        ("fixed_ip_v4", Type::String),
        ("fixed_ip_v6", Type::String),
        ("mac", Type::String),
    ]);
    Attribute::new("network", Type::list(item))
        .computed()
        .description("The server's interfaces (`GET /servers/{id}/os-interface`), sorted by network name (unnamed last), then address and port ID: `uuid` (network ID), `name` (network name, from the server's `addresses`, else the network API; null when neither answers), `port` (port ID), `fixed_ip_v4` and `fixed_ip_v6` (the first address of each version), `mac`. Empty for a server without interfaces.")
}

/// One element per interface, in the cloud's order (see [`sort`]), named from the
/// server's `addresses` where one of the interface's MAC or fixed IPs
/// appears there (see [`name_from_addresses`]).
///
/// The addresses and MAC are read as `nova_server` reads them for an
/// imported network block (the resource's [`flatten_networks`]).
pub fn items(server: &documents::Server, interfaces: &[InterfaceAttachment]) -> Vec<NetworkItem> {
    let mut m = ServerModel {
        network: Attr::Known(vec![NetworkModel::default(); interfaces.len()]),
        ..Default::default()
    };
    // blocks with nothing to match on take the interfaces in order
    flatten_networks(interfaces, &mut m);
    m.networks()
        .iter()
        .zip(interfaces)
        .map(|(n, i)| NetworkItem {
            uuid: n.uuid.clone(),
            name: Attr::from_option(name_from_addresses(server, i)),
            port: n.port.clone(),
            fixed_ip_v4: n.fixed_ip_v4.clone(),
            fixed_ip_v6: n.fixed_ip_v6.clone(),
            mac: n.mac.clone(),
        })
        .collect()
}

/// The network name (a key of `addresses`) under which the server lists
/// an address with the interface's MAC (compared case-insensitively) or
/// one of its fixed IPs; `None` when no address is the interface's.
pub fn name_from_addresses(server: &documents::Server, i: &InterfaceAttachment) -> Option<String> {
    let ips: Vec<IpAddr> = i
        .addresses()
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect();
    let mac = i.mac_addr.as_deref();
    let mine = |a: &documents::Address| {
        let same_mac =
            matches!((mac, a.mac_addr.as_deref()), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y));
        let same_ip = a
            .addr
            .as_deref()
            .and_then(|x| x.parse::<IpAddr>().ok())
            .is_some_and(|x| ips.contains(&x));
        same_mac || same_ip
    };
    server
        .addresses
        .iter()
        .find(|(_, list)| list.iter().any(mine))
        .map(|(name, _)| name.clone())
}

/// Puts the elements in a stable order: by network name (unnamed last),
/// then IPv4 address, IPv6 address and port ID. The cloud's own order is
/// not stable: `os-interface` and the network API's port listing (which
/// batched reads use) list a server's ports differently.
pub fn sort(items: &mut [NetworkItem]) {
    let ip = |a: &Attr<String>| a.as_deref().and_then(|x| x.parse::<IpAddr>().ok());
    items.sort_by(|a, b| {
        let key = |n: &NetworkItem| {
            (
                n.name.is_null(),
                n.name.if_known().cloned(),
                ip(&n.fixed_ip_v4),
                ip(&n.fixed_ip_v6),
                n.port.if_known().cloned(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// Names the networks `addresses` did not: one `GET /v2.0/networks/{id}`
/// per network ID. A network the API cannot show (no network endpoint,
/// not found, not allowed) keeps a null name; the failure is logged, not
/// an error of the data source.
pub async fn name_the_rest(data: &NovaData, items: &mut [NetworkItem]) {
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    for item in items.iter_mut().filter(|n| n.name.is_null()) {
        let Some(id) = item.uuid.if_known().cloned() else {
            continue;
        };
        if !names.contains_key(&id) {
            let path = format!("/v2.0/networks/{}", path_segment(&id));
            let call = Call::new(Service::Network, reqwest::Method::GET, &path);
            let name = match data.cloud.session.call(call).await {
                Ok(r) => documents::parse::<documents::Network>("network", &r.body["network"])
                    .ok()
                    .and_then(|n| n.name),
                Err(e) => {
                    tracing::warn!(network = %id, error = %e, "cannot read the network's name");
                    None
                }
            };
            names.insert(id.clone(), name);
        }
        item.name = Attr::from_option(names[&id].clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;
    use serde_json::json;

    fn iface(j: serde_json::Value) -> InterfaceAttachment {
        documents::parse("interface attachment", &j).unwrap()
    }

    fn k(s: &str) -> Attr<String> {
        Attr::Known(s.to_string())
    }

    #[test]
    fn the_model_fits_the_attribute() {
        let a = attribute();
        ServerNetworks::check_against(&Type::object([("network", a.ty.clone())])).unwrap();
    }

    /// Each interface becomes one element in the cloud's order; names come
    /// from `addresses` by MAC or by IP; what the cloud leaves out is null.
    #[test]
    fn interfaces_become_elements() {
        let server: documents::Server = documents::parse(
            "server",
            &json!({"id": "s", "addresses": {
                "private": [{"addr": "10.0.0.3", "version": 4, "OS-EXT-IPS-MAC:mac_addr": "FA:16:3E:00:00:01"}],
                "data": [{"addr": "fd00::0:5", "version": 6}],
                "other": [{"addr": "192.168.9.9", "version": 4, "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:99:99:99"}]
            }}),
        )
        .unwrap();
        let cases: Vec<(&str, serde_json::Value, NetworkItem)> = vec![
            (
                "named by MAC (case aside), both address versions",
                json!({"port_id": "p1", "net_id": "n1", "mac_addr": "fa:16:3e:00:00:01",
                       "fixed_ips": [{"ip_address": "fd00::1"}, {"ip_address": "10.0.0.3"}]}),
                NetworkItem {
                    uuid: k("n1"),
                    name: k("private"),
                    port: k("p1"),
                    fixed_ip_v4: k("10.0.0.3"),
                    fixed_ip_v6: k("fd00::1"),
                    mac: k("fa:16:3e:00:00:01"),
                },
            ),
            (
                "named by IP in another spelling, no MAC in addresses",
                json!({"port_id": "p2", "net_id": "n2", "mac_addr": "fa:16:3e:00:00:02",
                       "fixed_ips": [{"ip_address": "fd00::5"}]}),
                NetworkItem {
                    uuid: k("n2"),
                    name: k("data"),
                    port: k("p2"),
                    fixed_ip_v4: Attr::Null,
                    fixed_ip_v6: k("fd00::5"),
                    mac: k("fa:16:3e:00:00:02"),
                },
            ),
            (
                "not in addresses: no name yet; null fixed_ips and MAC",
                json!({"port_id": "p3", "net_id": "n3", "fixed_ips": null}),
                NetworkItem {
                    uuid: k("n3"),
                    name: Attr::Null,
                    port: k("p3"),
                    ..Default::default()
                },
            ),
        ];
        let interfaces: Vec<InterfaceAttachment> =
            cases.iter().map(|(_, j, _)| iface(j.clone())).collect();
        let got = items(&server, &interfaces);
        assert_eq!(got.len(), cases.len());
        for ((what, _, want), got) in cases.iter().zip(&got) {
            assert_eq!(got, want, "{what}");
        }
        assert!(items(&server, &[]).is_empty(), "no interfaces, no elements");
    }

    /// Sorted by name (null last), then IPv4 by value (10.0.0.9 before
    /// 10.0.0.10), IPv6, port; whatever order the cloud listed them in.
    #[test]
    fn order_is_stable() {
        let n = |name: Option<&str>, v4: Option<&str>, port: &str| NetworkItem {
            name: Attr::from_option(name.map(String::from)),
            fixed_ip_v4: Attr::from_option(v4.map(String::from)),
            port: k(port),
            ..Default::default()
        };
        let want = vec![
            n(Some("data"), Some("10.0.0.9"), "z"),
            n(Some("data"), Some("10.0.0.10"), "a"),
            n(Some("private"), None, "b"),
            n(Some("private"), Some("192.168.1.5"), "c"),
            n(None, Some("10.9.9.9"), "d"),
        ];
        for rotate in 0..want.len() {
            let mut got = want.clone();
            got.rotate_left(rotate);
            got.reverse();
            sort(&mut got);
            assert_eq!(got, want, "rotated by {rotate}");
        }
    }

    /// A server without addresses (null or empty) names nothing.
    #[test]
    fn no_addresses_name_nothing() {
        let i = iface(json!({"port_id": "p", "net_id": "n", "mac_addr": "m",
                             "fixed_ips": [{"ip_address": "10.0.0.3"}]}));
        for doc in [
            json!({"id": "s"}),
            json!({"id": "s", "addresses": null}),
            json!({"id": "s", "addresses": {"private": []}}),
        ] {
            let s: documents::Server = documents::parse("server", &doc).unwrap();
            assert_eq!(name_from_addresses(&s, &i), None, "{doc}");
        }
    }
}
