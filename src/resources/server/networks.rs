//! `network` blocks added to or removed from an existing server: planned as
//! an in-place update (interface attach and detach) instead of a
//! replacement.
//!
//! The configured blocks are matched to the blocks in the state by what
//! they describe, not by position: a block that gives `port` is the block
//! of that port; any other is the block on its network (`uuid`, or the ID
//! its `name` finds) with the fixed addresses it gives. A matched block
//! plans no change (it keeps what the cloud reported). What is left over is
//! judged as a whole:
//!
//! - only configured blocks left: they are new interfaces, attached in
//!   place (`POST /servers/{id}/os-interface`);
//! - only state blocks left: their interfaces are detached in place
//!   (`DELETE /servers/{id}/os-interface/{port_id}`); after an import,
//!   whose blocks are every interface of the server, they only leave the
//!   state (some other resource may manage them);
//! - both (other than after an import): a block's own arguments changed (or a block was swapped for
//!   another): the server is replaced, as before. So is a matched block
//!   whose `tag` or `subnet_id` changed, a new block that gives
//!   `subnet_id` (the attach request has no such field), a state block
//!   without a port (nothing to detach by), and a configured block whose
//!   identity is unknown while state blocks are left (it may be one of
//!   them).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value as J};

use crate::framework::Attr;

use super::model::{same_ip, NetworkModel};

/// What becomes of the `network` blocks in an update.
#[derive(Debug, Clone, PartialEq)]
pub enum NetworkPlan {
    /// The blocks change in place: `blocks` is the planned list (in the
    /// configuration's order); `attach` the indexes in it of new
    /// interfaces; `detach` the state blocks whose interfaces go.
    InPlace {
        blocks: Vec<NetworkModel>,
        attach: Vec<usize>,
        detach: Vec<NetworkModel>,
    },
    /// The server is replaced.
    Replace,
}

/// Whether the configured block `c` (planned as `n`, with the network ID
/// its name finds) describes the state block `o`; `None` when what it
/// names is unknown yet.
fn describes(c: &NetworkModel, n: &NetworkModel, o: &NetworkModel) -> Option<bool> {
    let ip = |written: &Attr<String>, had: &Attr<String>| match written {
        Attr::Null => Some(true),
        Attr::Unknown => None,
        Attr::Known(w) => Some(had.if_known().is_some_and(|h| same_ip(w, h))),
    };
    match &c.port {
        Attr::Known(p) => return Some(o.port.as_deref() == Some(p.as_str())),
        Attr::Unknown => return None,
        Attr::Null => {}
    }
    let uuid = match (&c.uuid, &n.uuid) {
        (Attr::Unknown, _) | (_, Attr::Unknown) => return None,
        (_, Attr::Known(u)) => o.uuid.as_deref() == Some(u.as_str()),
        (_, Attr::Null) => false,
    };
    let v4 = ip(&c.fixed_ip_v4, &o.fixed_ip_v4);
    let v6 = ip(&c.fixed_ip_v6, &o.fixed_ip_v6);
    Some(uuid && v4? && v6?)
}

/// Whether what identifies the block is unknown (see [`describes`]).
fn undecided(c: &NetworkModel, n: &NetworkModel) -> bool {
    match &c.port {
        Attr::Known(_) => false,
        Attr::Unknown => true,
        Attr::Null => {
            c.uuid.is_unknown()
                || n.uuid.is_unknown()
                || c.fixed_ip_v4.is_unknown()
                || c.fixed_ip_v6.is_unknown()
        }
    }
}

/// A new block as planned: what the configuration writes, and the rest
/// (the port, addresses, MAC, and the network of a block given by port)
/// unknown until the interface is attached.
fn new_block(c: &NetworkModel, n: &NetworkModel) -> NetworkModel {
    let written_or_unknown = |w: &Attr<String>| match w {
        Attr::Null => Attr::Unknown,
        other => other.clone(),
    };
    NetworkModel {
        uuid: match (&c.uuid, &c.name) {
            (Attr::Null, Attr::Null) => Attr::Unknown,
            (Attr::Null, _) => n.uuid.clone(),
            (u, _) => u.clone(),
        },
        // as written: the planned name may be the one Terraform proposed
        // from the state block that was at this position, another
        // interface (and maybe another network)
        name: c.name.clone(),
        port: written_or_unknown(&c.port),
        fixed_ip_v4: written_or_unknown(&c.fixed_ip_v4),
        fixed_ip_v6: written_or_unknown(&c.fixed_ip_v6),
        tag: c.tag.clone(),
        subnet_id: c.subnet_id.clone(),
        mac: Attr::Unknown,
        access_network: c.access_network.clone(),
    }
}

/// The plan of the `network` blocks of an update (see the module
/// documentation). `prior` is the state's blocks, `config` the configured
/// ones and `planned` the same after the name look-ups (same length as
/// `config`). `recovered`: the state's blocks were recovered at import, so
/// those the configuration does not describe leave the state without a
/// detach.
pub fn plan_networks(
    prior: &[NetworkModel],
    config: &[NetworkModel],
    planned: &[NetworkModel],
    recovered: bool,
) -> NetworkPlan {
    let mut used = vec![false; prior.len()];
    let mut matched: Vec<Option<usize>> = vec![None; config.len()];
    // the most specific descriptions first: by port, then with fixed
    // addresses, then by network alone
    let rank = |c: &NetworkModel| {
        if !c.port.is_null() {
            0
        } else if !c.fixed_ip_v4.is_null() || !c.fixed_ip_v6.is_null() {
            1
        } else {
            2
        }
    };
    for pass in 0..3 {
        for (i, (c, n)) in config.iter().zip(planned).enumerate() {
            if rank(c) != pass || undecided(c, n) {
                continue;
            }
            let found =
                (0..prior.len()).find(|&j| !used[j] && describes(c, n, &prior[j]) == Some(true));
            if let Some(j) = found {
                used[j] = true;
                matched[i] = Some(j);
            }
        }
    }
    let left: Vec<&NetworkModel> = prior
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(o, _)| o)
        .collect();
    let new: Vec<usize> = (0..config.len())
        .filter(|&i| matched[i].is_none())
        .collect();
    // after an import there was no configuration to change: only a block
    // not known yet may be one of those left
    let unsure = |i: &usize| !recovered || undecided(&config[*i], &planned[*i]);
    if !left.is_empty() && new.iter().any(unsure) {
        return NetworkPlan::Replace;
    }
    if !recovered && left.iter().any(|o| o.port.if_known().is_none()) {
        return NetworkPlan::Replace;
    }
    if new.iter().any(|&i| !config[i].subnet_id.is_null()) {
        return NetworkPlan::Replace;
    }
    let mut blocks = Vec::with_capacity(config.len());
    for (i, (c, n)) in config.iter().zip(planned).enumerate() {
        match matched[i] {
            Some(j) => {
                let o = &prior[j];
                if !recovered && (c.tag != o.tag || c.subnet_id != o.subnet_id) {
                    return NetworkPlan::Replace;
                }
                // after an import the tag and subnet are as written (the
                // cloud's view has none)
                // a block that writes no name keeps the one of the
                // interface it matched, not of the block that was at its
                // position
                let name = match c.name {
                    Attr::Null => o.name.clone(),
                    _ => n.name.clone(),
                };
                blocks.push(NetworkModel {
                    name,
                    access_network: n.access_network.clone(),
                    tag: c.tag.clone(),
                    subnet_id: c.subnet_id.clone(),
                    ..o.clone()
                });
            }
            None => blocks.push(new_block(c, n)),
        }
    }
    let detach = match recovered {
        true => Vec::new(),
        false => left.into_iter().cloned().collect(),
    };
    NetworkPlan::InPlace {
        blocks,
        attach: new,
        detach,
    }
}

/// The interface changes an update from `old` blocks to `new` (planned)
/// ones makes: the indexes in `new` of the blocks to attach (a port
/// unknown, or one the state does not have) and the state blocks to detach
/// (their port gone from the plan; none when `forget`: blocks recovered at
/// import leave the state without a detach).
pub fn interface_changes<'a>(
    old: &'a [NetworkModel],
    new: &[NetworkModel],
    forget: bool,
) -> (Vec<usize>, Vec<&'a NetworkModel>) {
    let ports = |b: &[NetworkModel]| -> BTreeSet<String> {
        b.iter()
            .filter_map(|n| n.port.if_known().cloned())
            .collect()
    };
    let (had, has) = (ports(old), ports(new));
    let attach = (0..new.len())
        .filter(|&i| new[i].port.if_known().is_none_or(|p| !had.contains(p)))
        .collect();
    let detach = match forget {
        true => Vec::new(),
        false => old
            .iter()
            .filter(|o| o.port.if_known().is_some_and(|p| !has.contains(p)))
            .collect(),
    };
    (attach, detach)
}

/// The `POST /servers/{id}/os-interface` body for a new block: `port_id`
/// for a given port, else `net_id` with the fixed address asked for (IPv4
/// first, as at create: the request takes one), and `tag` (2.49).
pub fn attach_body(n: &NetworkModel) -> J {
    let mut ia = Map::new();
    if let Some(p) = n.port.if_known() {
        ia.insert("port_id".into(), p.as_str().into());
    } else if let Some(u) = n.uuid.if_known() {
        ia.insert("net_id".into(), u.as_str().into());
        if let Some(ip) = n.fixed_ip_v4.if_known().or(n.fixed_ip_v6.if_known()) {
            ia.insert("fixed_ips".into(), json!([{ "ip_address": ip }]));
        }
    }
    if let Some(t) = n.tag.if_known() {
        ia.insert("tag".into(), t.as_str().into());
    }
    json!({ "interfaceAttachment": ia })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET_A: &str = "3cb9bc59-5699-4588-a4b1-b87f96708bc6";
    const NET_B: &str = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7";
    const PORT_1: &str = "11111111-1111-4111-8111-111111111111";
    const PORT_2: &str = "22222222-2222-4222-8222-222222222222";
    const PORT_3: &str = "33333333-3333-4333-8333-333333333333";

    fn k(s: &str) -> Attr<String> {
        Attr::Known(s.to_string())
    }

    /// A block in the state: what the cloud reported for the interface.
    fn had(net: &str, port: &str, v4: &str) -> NetworkModel {
        NetworkModel {
            uuid: k(net),
            port: k(port),
            fixed_ip_v4: k(v4),
            mac: k("fa:16:3e:00:00:01"),
            ..Default::default()
        }
    }

    /// A configured block on a network (null: not written).
    fn on(net: Attr<String>) -> NetworkModel {
        NetworkModel {
            uuid: net,
            ..Default::default()
        }
    }

    fn by_port(port: Attr<String>) -> NetworkModel {
        NetworkModel {
            port,
            ..Default::default()
        }
    }

    fn with_v4(mut n: NetworkModel, v4: Attr<String>) -> NetworkModel {
        n.fixed_ip_v4 = v4;
        n
    }

    fn with_tag(mut n: NetworkModel, tag: &str) -> NetworkModel {
        n.tag = k(tag);
        n
    }

    /// What a plan comes to, for the table: `None` for a replacement, else
    /// the ports of the planned blocks ("?" unknown), the indexes attached
    /// and the ports detached.
    type Outcome = Option<(Vec<String>, Vec<usize>, Vec<String>)>;

    fn outcome(p: NetworkPlan) -> Outcome {
        let port = |n: &NetworkModel| match &n.port {
            Attr::Known(p) => p.clone(),
            Attr::Unknown => "?".into(),
            Attr::Null => "-".into(),
        };
        match p {
            NetworkPlan::Replace => None,
            NetworkPlan::InPlace {
                blocks,
                attach,
                detach,
            } => Some((
                blocks.iter().map(port).collect(),
                attach,
                detach.iter().map(port).collect(),
            )),
        }
    }

    fn ports(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    /// The configured blocks, matched to the state's by what they describe
    /// (a configuration without names: planned as written), with null and
    /// unknown parts.
    #[test]
    fn plan_table() {
        let state = vec![
            had(NET_A, PORT_1, "192.168.1.11"),
            had(NET_B, PORT_2, "10.20.0.10"),
        ];
        let a = || on(k(NET_A));
        let b = || on(k(NET_B));
        let cases: Vec<(&str, Vec<NetworkModel>, bool, Outcome)> = vec![
            (
                "unchanged",
                vec![a(), b()],
                false,
                Some((ports(&[PORT_1, PORT_2]), vec![], vec![])),
            ),
            (
                "appended",
                vec![a(), b(), b()],
                false,
                Some((ports(&[PORT_1, PORT_2, "?"]), vec![2], vec![])),
            ),
            (
                "inserted first: the others are still matched (of two alike, the first keeps the interface)",
                vec![b(), a(), b()],
                false,
                Some((ports(&[PORT_2, PORT_1, "?"]), vec![2], vec![])),
            ),
            (
                "a fixed address picks its interface, whatever the order",
                vec![a(), b(), with_v4(b(), k("10.20.0.10"))],
                false,
                Some((ports(&[PORT_1, "?", PORT_2]), vec![1], vec![])),
            ),
            (
                "last removed",
                vec![a()],
                false,
                Some((ports(&[PORT_1]), vec![], ports(&[PORT_2]))),
            ),
            (
                "first removed",
                vec![b()],
                false,
                Some((ports(&[PORT_2]), vec![], ports(&[PORT_1]))),
            ),
            (
                "all removed",
                vec![],
                false,
                Some((vec![], vec![], ports(&[PORT_1, PORT_2]))),
            ),
            (
                "reordered: nothing attached",
                vec![b(), a()],
                false,
                Some((ports(&[PORT_2, PORT_1]), vec![], vec![])),
            ),
            ("a block's network changed", vec![a(), a()], false, None),
            (
                "a block's fixed address changed",
                vec![a(), with_v4(b(), k("10.20.0.99"))],
                false,
                None,
            ),
            (
                "the same fixed address spelt otherwise",
                vec![a(), with_v4(b(), k("10.20.000.10"))],
                false,
                None,
            ),
            (
                "a block's tag changed",
                vec![a(), with_tag(b(), "data")],
                false,
                None,
            ),
            (
                "given by port",
                vec![by_port(k(PORT_2)), by_port(k(PORT_1))],
                false,
                Some((ports(&[PORT_2, PORT_1]), vec![], vec![])),
            ),
            (
                "a new port added",
                vec![a(), b(), by_port(k(PORT_3))],
                false,
                Some((ports(&[PORT_1, PORT_2, PORT_3]), vec![2], vec![])),
            ),
            (
                "a port swapped for another",
                vec![a(), by_port(k(PORT_3))],
                false,
                None,
            ),
            // unknown is not empty: a block whose port or network is not
            // known yet may be one of the blocks left
            (
                "unknown port while a block is left",
                vec![a(), by_port(Attr::Unknown)],
                false,
                None,
            ),
            (
                "unknown network while a block is left",
                vec![a(), on(Attr::Unknown)],
                false,
                None,
            ),
            (
                "unknown fixed address while a block is left",
                vec![a(), with_v4(b(), Attr::Unknown)],
                false,
                None,
            ),
            (
                "unknown port with every block matched: a new interface",
                vec![a(), b(), by_port(Attr::Unknown)],
                false,
                Some((ports(&[PORT_1, PORT_2, "?"]), vec![2], vec![])),
            ),
            (
                "unknown network with every block matched: a new interface",
                vec![a(), b(), on(Attr::Unknown)],
                false,
                Some((ports(&[PORT_1, PORT_2, "?"]), vec![2], vec![])),
            ),
            (
                "recovered at import: blocks left are forgotten, not detached",
                vec![b()],
                true,
                Some((ports(&[PORT_2]), vec![], vec![])),
            ),
            (
                "recovered at import: a new block is attached, the one left forgotten",
                vec![b(), by_port(k(PORT_3))],
                true,
                Some((ports(&[PORT_2, PORT_3]), vec![1], vec![])),
            ),
            (
                "recovered at import: an unknown port may be the one left",
                vec![b(), by_port(Attr::Unknown)],
                true,
                None,
            ),
            (
                "recovered at import, every block described, one more",
                vec![a(), b(), on(k(NET_A))],
                true,
                Some((ports(&[PORT_1, PORT_2, "?"]), vec![2], vec![])),
            ),
        ];
        for (what, config, recovered, want) in cases {
            let got = outcome(plan_networks(&state, &config, &config, recovered));
            assert_eq!(got, want, "{what}");
        }
    }

    /// A new block with `subnet_id` cannot be attached (the request has no
    /// such field): replaced. A state block without a port cannot be
    /// detached: replaced.
    #[test]
    fn what_cannot_be_attached_or_detached_replaces() {
        let state = vec![had(NET_A, PORT_1, "192.168.1.11")];
        let mut sub = on(k(NET_B));
        sub.subnet_id = k("0d3c1f4e-8a55-4b7e-9d7c-2a6b1f1e5c90");
        let config = vec![on(k(NET_A)), sub];
        assert_eq!(
            plan_networks(&state, &config, &config, false),
            NetworkPlan::Replace
        );
        let mut portless = had(NET_B, PORT_2, "10.20.0.10");
        portless.port = Attr::Null;
        let state = vec![had(NET_A, PORT_1, "192.168.1.11"), portless];
        let config = vec![on(k(NET_A))];
        assert_eq!(
            plan_networks(&state, &config, &config, false),
            NetworkPlan::Replace
        );
    }

    /// Kept blocks keep what the cloud reported (no change planned);
    /// new blocks are what the configuration writes, the rest unknown; a
    /// block given by name takes the network ID the look-up found.
    #[test]
    fn planned_blocks() {
        let state = vec![had(NET_A, PORT_1, "192.168.1.11")];
        let named = NetworkModel {
            name: k("data"),
            access_network: Attr::Known(true),
            ..Default::default()
        };
        let looked_up = NetworkModel {
            uuid: k(NET_B),
            ..named.clone()
        };
        let config = vec![on(k(NET_A)), named];
        let planned = vec![on(k(NET_A)), looked_up];
        let NetworkPlan::InPlace {
            blocks,
            attach,
            detach,
        } = plan_networks(&state, &config, &planned, false)
        else {
            panic!("an added block is planned in place");
        };
        assert_eq!(blocks[0], state[0], "the kept block plans no change");
        assert_eq!(
            blocks[1],
            NetworkModel {
                uuid: k(NET_B),
                name: k("data"),
                port: Attr::Unknown,
                fixed_ip_v4: Attr::Unknown,
                fixed_ip_v6: Attr::Unknown,
                tag: Attr::Null,
                subnet_id: Attr::Null,
                mac: Attr::Unknown,
                access_network: Attr::Known(true),
            }
        );
        assert_eq!((attach, detach), (vec![1], vec![]));
        // a block given by port: its network is the cloud's to tell
        let config = vec![on(k(NET_A)), by_port(k(PORT_3))];
        let NetworkPlan::InPlace { blocks, .. } = plan_networks(&state, &config, &config, false)
        else {
            panic!("an added port is planned in place");
        };
        assert_eq!(
            (blocks[1].uuid.clone(), blocks[1].port.clone()),
            (Attr::Unknown, k(PORT_3))
        );
    }

    /// Terraform proposes an optional and computed `name` by position: a
    /// block that writes none gets the name of the state block that was at
    /// its index. Neither a new block nor a matched one takes it: a new
    /// block's name is as written, a matched block that writes none keeps
    /// its own interface's.
    #[test]
    fn names_do_not_move_between_interfaces_by_position() {
        let mut named_b = had(NET_B, PORT_2, "10.20.0.10");
        named_b.name = k("data");
        let state = vec![named_b.clone(), had(NET_A, PORT_1, "192.168.1.11")];
        let proposed = |mut c: NetworkModel, i: usize| {
            if c.name.is_null() {
                c.name = state.get(i).map_or(Attr::Null, |o| o.name.clone());
            }
            c
        };
        let by_name = NetworkModel {
            name: k("data"),
            ..Default::default()
        };
        let unknown_name = NetworkModel {
            name: Attr::Unknown,
            ..Default::default()
        };
        // (case, configured blocks, planned names of the blocks)
        type Case = (&'static str, Vec<NetworkModel>, Vec<Attr<String>>);
        let cases: Vec<Case> = vec![
            (
                "a port inserted first: not named after the block it displaced",
                vec![by_port(k(PORT_3)), on(k(NET_B)), on(k(NET_A))],
                vec![Attr::Null, k("data"), Attr::Null],
            ),
            (
                "a network inserted first: none",
                vec![on(k(NET_A)), on(k(NET_B)), on(k(NET_A))],
                vec![Attr::Null, k("data"), Attr::Null],
            ),
            (
                "reordered: each keeps its own",
                vec![on(k(NET_A)), on(k(NET_B))],
                vec![Attr::Null, k("data")],
            ),
            (
                "a new block by name: as written",
                vec![on(k(NET_B)), on(k(NET_A)), by_name.clone()],
                vec![k("data"), Attr::Null, k("data")],
            ),
            (
                "a new block with its name unknown: unknown, never the state's",
                vec![on(k(NET_B)), on(k(NET_A)), unknown_name],
                vec![k("data"), Attr::Null, Attr::Unknown],
            ),
        ];
        for (case, config, want) in cases {
            let mut planned: Vec<NetworkModel> = config
                .iter()
                .enumerate()
                .map(|(i, c)| proposed(c.clone(), i))
                .collect();
            for n in planned.iter_mut() {
                if n.name.if_known().is_some() && n.uuid.is_null() && n.port.is_null() {
                    n.uuid = k(NET_B);
                }
                if n.name.is_unknown() {
                    n.uuid = Attr::Unknown;
                }
            }
            let NetworkPlan::InPlace { blocks, .. } =
                plan_networks(&state, &config, &planned, false)
            else {
                panic!("{case}: planned in place");
            };
            let names: Vec<Attr<String>> = blocks.iter().map(|b| b.name.clone()).collect();
            assert_eq!(names, want, "{case}");
        }
    }

    /// The apply's view: attach what has no port yet or a port the state
    /// lacks; detach the state's ports the plan lacks (none after import).
    #[test]
    fn interface_changes_table() {
        let state = vec![
            had(NET_A, PORT_1, "192.168.1.11"),
            had(NET_B, PORT_2, "10.20.0.10"),
        ];
        let new_b = NetworkModel {
            port: Attr::Unknown,
            ..on(k(NET_B))
        };
        type Case<'a> = (&'a str, Vec<NetworkModel>, bool, Vec<usize>, Vec<&'a str>);
        let cases: Vec<Case> = vec![
            ("same", state.clone(), false, vec![], vec![]),
            (
                "reordered",
                vec![state[1].clone(), state[0].clone()],
                false,
                vec![],
                vec![],
            ),
            (
                "one more",
                vec![state[0].clone(), new_b.clone(), state[1].clone()],
                false,
                vec![1],
                vec![],
            ),
            (
                "a given port",
                vec![state[0].clone(), state[1].clone(), by_port(k(PORT_3))],
                false,
                vec![2],
                vec![],
            ),
            (
                "one less",
                vec![state[1].clone()],
                false,
                vec![],
                vec![PORT_1],
            ),
            (
                "one less after import",
                vec![state[1].clone()],
                true,
                vec![],
                vec![],
            ),
            ("none", vec![], false, vec![], vec![PORT_1, PORT_2]),
        ];
        for (what, new, forget, attach, detach) in cases {
            let (a, d) = interface_changes(&state, &new, forget);
            let d: Vec<&str> = d
                .iter()
                .map(|n| n.port.as_deref().unwrap_or_default())
                .collect();
            assert_eq!((a, d), (attach, detach), "{what}");
        }
    }

    #[test]
    fn attach_bodies() {
        let mut net = NetworkModel {
            port: Attr::Unknown,
            fixed_ip_v4: k("10.20.0.50"),
            fixed_ip_v6: Attr::Unknown,
            tag: k("data"),
            ..on(k(NET_B))
        };
        insta::assert_json_snapshot!(attach_body(&net), @r#"
        {
          "interfaceAttachment": {
            "fixed_ips": [
              {
                "ip_address": "10.20.0.50"
              }
            ],
            "net_id": "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7",
            "tag": "data"
          }
        }
        "#);
        net.fixed_ip_v4 = Attr::Unknown;
        net.tag = Attr::Null;
        insta::assert_json_snapshot!(attach_body(&net), @r#"
        {
          "interfaceAttachment": {
            "net_id": "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"
          }
        }
        "#);
        let port = NetworkModel {
            uuid: Attr::Unknown,
            fixed_ip_v4: Attr::Unknown,
            ..by_port(k(PORT_3))
        };
        insta::assert_json_snapshot!(attach_body(&port), @r#"
        {
          "interfaceAttachment": {
            "port_id": "33333333-3333-4333-8333-333333333333"
          }
        }
        "#);
    }
}
