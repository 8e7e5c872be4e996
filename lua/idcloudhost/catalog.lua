-- What can be created: client.catalog.  Plain tables.
local pipeline = require "idcloudhost.pipeline"
local resource = require "idcloudhost.resource"

local E = resource.endpoints("catalog", {
  vm_parameters = { "GET", "api/parameters/vm", answer = "list" },
  images        = { "GET", "config/vm_images", answer = "list" },
  plain_os      = { "GET", "config/vm_images/plain_os", answer = "list" },
  app_catalog   = { "GET", "config/vm_images/app_catalog", answer = "list" },
})

local Catalog = {}

--- The VM creation parameters with their constraints (range, regexp, enum, limits per os_name).
function Catalog:vm_parameters()
  return pipeline.call(self.client, E.vm_parameters)
end

--- Every VM image (os_name, display_name, is_app_catalog, versions...) (elastis edition).
function Catalog:images()
  return pipeline.call(self.client, E.images)
end

--- The plain OS images (elastis edition).
function Catalog:plain_os_images()
  return pipeline.call(self.client, E.plain_os)
end

--- The App Catalog images: OS images with applications installed (elastis edition).
function Catalog:app_catalog_images()
  return pipeline.call(self.client, E.app_catalog)
end

return {
  new = resource.collection(Catalog),
  endpoints = E,
}
