# Lock during a change freeze: terraform apply -invoke=action.nova_server_lock.freeze
action "nova_server_lock" "freeze" {
  config {
    server_id     = nova_server.web.id
    locked_reason = "change freeze until the release is out"
  }
}

# ... and unlock afterwards: terraform apply -invoke=action.nova_server_lock.thaw
action "nova_server_lock" "thaw" {
  config {
    server_id = nova_server.web.id
    locked    = false
  }
}
