# Boot the web server into rescue: terraform apply -invoke=action.nova_server_rescue.web
action "nova_server_rescue" "web" {
  config {
    server_id = nova_server.web.id
    image_id  = nova_server.web.image_id
  }
}

# ... and back to its own disk: terraform apply -invoke=action.nova_server_rescue.web_done
action "nova_server_rescue" "web_done" {
  config {
    server_id = nova_server.web.id
    rescue    = false
  }
}
