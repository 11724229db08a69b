//! Compute API microversions: the features that need one, named.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Microversion(pub u16, pub u16);

impl Microversion {
    pub fn parse(s: &str) -> Option<Microversion> {
        let s = s.trim().trim_start_matches('v');
        let (a, b) = s.split_once('.')?;
        Some(Microversion(a.parse().ok()?, b.parse().ok()?))
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What a cloud answers without a header, and what legacy v2 clouds speak.
pub const BASE: Microversion = Microversion(2, 1);
/// The newest microversion this provider knows how to speak.
pub const NEWEST_KNOWN: Microversion = Microversion(2, 100);

/// Keypair `type` (ssh/x509).
pub const KEYPAIR_TYPE: Microversion = Microversion(2, 2);
/// Keypair `user_id` (admins managing other users' keys).
pub const KEYPAIR_USER_ID: Microversion = Microversion(2, 10);
/// Soft affinity policies for server groups.
pub const SOFT_AFFINITY: Microversion = Microversion(2, 15);
/// `POST /servers/{id}/remote-consoles` (protocol and type in one request).
pub const REMOTE_CONSOLES: Microversion = Microversion(2, 6);
/// Remote console protocol `mks` with type `webmks`.
pub const REMOTE_CONSOLE_MKS: Microversion = Microversion(2, 8);
/// Remote console type `spice-direct`.
pub const REMOTE_CONSOLE_SPICE_DIRECT: Microversion = Microversion(2, 99);
/// Server `locked` shown in server views.
pub const SERVER_LOCKED: Microversion = Microversion(2, 9);
/// Server `description`.
pub const SERVER_DESCRIPTION: Microversion = Microversion(2, 19);
/// `networks` as the string "auto" or "none".
pub const NETWORK_MODE: Microversion = Microversion(2, 37);
/// Volume attachment `tag`.
pub const VOLUME_ATTACH_TAG: Microversion = Microversion(2, 49);
/// Interface attachment `tag` (`POST /servers/{id}/os-interface`).
pub const INTERFACE_ATTACH_TAG: Microversion = Microversion(2, 49);
/// Listing servers filtered by tags (`tags=`).
pub const SERVER_TAG_FILTER: Microversion = Microversion(2, 26);
/// Server `tags` at create.
pub const SERVER_TAGS: Microversion = Microversion(2, 52);
/// Hypervisor IDs as UUIDs, and `hypervisor_hostname_pattern` on the
/// hypervisor listings.
pub const HYPERVISOR_HOSTNAME_PATTERN: Microversion = Microversion(2, 53);
/// `key_name` in a rebuild request (a server's key pair set anew, or
/// removed with null).
pub const REBUILD_KEY_NAME: Microversion = Microversion(2, 54);
/// `user_data` in a rebuild request.
pub const REBUILD_USER_DATA: Microversion = Microversion(2, 57);
/// Flavor `description`.
pub const FLAVOR_DESCRIPTION: Microversion = Microversion(2, 55);
/// Last microversion that accepts `personality`.
pub const PERSONALITY_MAX: Microversion = Microversion(2, 56);
/// Last microversion whose quota sets have the network quotas
/// (`fixed_ips`, `floating_ips`, `networks`, `security_groups`,
/// `security_group_rules`): 2.36 removed them with the network proxy APIs.
pub const QUOTA_NETWORK_MAX: Microversion = Microversion(2, 35);
/// Last microversion whose quota sets have the injected file quotas
/// (`injected_files`, `injected_file_content_bytes`,
/// `injected_file_path_bytes`): 2.57 removed them with `personality`.
pub const QUOTA_INJECTED_FILES_MAX: Microversion = Microversion(2, 56);
/// Trusted image certificates.
pub const TRUSTED_CERTS: Microversion = Microversion(2, 63);
/// Server group `policy` + `rules` form.
pub const SERVER_GROUP_RULES: Microversion = Microversion(2, 64);
/// Booting from or attaching a multiattach-capable volume.
pub const MULTIATTACH: Microversion = Microversion(2, 60);
/// Block device `volume_type`.
pub const BDM_VOLUME_TYPE: Microversion = Microversion(2, 67);
/// Live migration `block_migration = "auto"`, without `disk_over_commit`.
pub const LIVE_MIGRATE_AUTO: Microversion = Microversion(2, 25);
/// Cold migration to a named `host`.
pub const MIGRATE_HOST: Microversion = Microversion(2, 56);
/// From here an evacuation takes no `onSharedStorage` (Nova finds out
/// whether the disks are shared; before, the request must say).
pub const EVACUATE_NO_SHARED_STORAGE: Microversion = Microversion(2, 14);
/// From here an evacuated server is left SHUTOFF on its new host (before,
/// it kept the state it had: ACTIVE or SHUTOFF).
pub const EVACUATE_STOPPED: Microversion = Microversion(2, 95);
/// `locked_reason` when locking a server, and shown in server views.
pub const SERVER_LOCKED_REASON: Microversion = Microversion(2, 73);
/// `host` / `hypervisor_hostname` at create.
pub const HOST_AT_CREATE: Microversion = Microversion(2, 74);
/// Volume attachment `delete_on_termination`.
pub const VOLUME_ATTACH_DOT: Microversion = Microversion(2, 79);
/// From here hypervisors no longer report their sizes and usage
/// (`vcpus`, `memory_mb`, `local_gb`, their `_used`, `running_vms`).
pub const HYPERVISOR_NO_FIGURES: Microversion = Microversion(2, 88);
/// Server `hostname`.
pub const SERVER_HOSTNAME: Microversion = Microversion(2, 90);
/// From here Nova no longer generates keypairs: `public_key` is required.
pub const KEYPAIR_NO_GENERATE: Microversion = Microversion(2, 92);

/// Picks the microversion to speak: the pinned one, or the highest both
/// sides know. `server_max` is `None` for clouds without microversions.
pub fn negotiate(
    server_min: Option<Microversion>,
    server_max: Option<Microversion>,
    pinned: Option<Microversion>,
) -> Result<Microversion, String> {
    let max = server_max.unwrap_or(BASE);
    if let Some(p) = pinned {
        if p > max {
            return Err(format!(
                "compute_microversion {p} is above the newest the cloud supports ({max})"
            ));
        }
        if let Some(min) = server_min {
            if p < min {
                return Err(format!(
                    "compute_microversion {p} is below the oldest the cloud supports ({min})"
                ));
            }
        }
        return Ok(p);
    }
    Ok(max.min(NEWEST_KNOWN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        assert_eq!(Microversion::parse("2.104"), Some(Microversion(2, 104)));
        assert_eq!(Microversion::parse("v2.1"), Some(Microversion(2, 1)));
        assert!(Microversion(2, 9) < Microversion(2, 10));
        assert_eq!(Microversion::parse(""), None);
    }

    #[test]
    fn negotiation_table() {
        let m = |s| Microversion::parse(s);
        assert_eq!(negotiate(m("2.1"), m("2.104"), None), Ok(NEWEST_KNOWN));
        assert_eq!(
            negotiate(m("2.1"), m("2.60"), None),
            Ok(Microversion(2, 60))
        );
        assert_eq!(
            negotiate(None, None, None),
            Ok(BASE),
            "a cloud without microversions is 2.1"
        );
        assert_eq!(
            negotiate(m("2.1"), m("2.104"), m("2.67")),
            Ok(Microversion(2, 67))
        );
        assert!(negotiate(m("2.1"), m("2.60"), m("2.67"))
            .unwrap_err()
            .contains("2.67"));
    }
}
