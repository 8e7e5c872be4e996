-- What can be created: client.catalog (endpoints 71-74 of endpoints.md).  Plain tables.
local resource = require "idcloudhost.resource"

local E = resource.endpoints("catalog", {
  vm_parameters = { "GET", "api/parameters/vm" },
  images        = { "GET", "config/vm_images" },
  plain_os      = { "GET", "config/vm_images/plain_os" },
  app_catalog   = { "GET", "config/vm_images/app_catalog" },
})

local Catalog = {}

--- The VM creation parameters with their constraints (range, regexp, enum, limits per os_name).
function Catalog:vm_parameters()
  return self.client:call(E.vm_parameters)
end

--- Every VM image (os_name, display_name, is_app_catalog, versions...) (elastis edition).
function Catalog:images()
  return self.client:call(E.images)
end

--- The plain OS images (elastis edition).
function Catalog:plain_os_images()
  return self.client:call(E.plain_os)
end

--- The App Catalog images: OS images with applications installed (elastis edition).
function Catalog:app_catalog_images()
  return self.client:call(E.app_catalog)
end

return {
  new = resource.collection(Catalog),
  endpoints = E,
}
