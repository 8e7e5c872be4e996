--- What can be created: client.catalog.  Plain tables.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.catalog
local resource = require "idcloudhost.families.kit.resource"

local E = resource.endpoints("catalog", {
  vm_parameters = { "GET", "api/parameters/vm", answer = "list" },
  images        = { "GET", "config/vm_images", answer = "list" },
  plain_os      = { "GET", "config/vm_images/plain_os", answer = "list" },
  app_catalog   = { "GET", "config/vm_images/app_catalog", answer = "list" },
  boot_images   = { "GET", "config/boot_images", answer = "list:uuid" },
})

--- client.catalog: what can be created.  Answers are plain tables.
-- @type client.catalog

local Catalog = {}

--- The VM creation parameters with their constraints (range, regexp, enum, limits per os_name).
-- @function client.catalog:vm_parameters
-- @treturn {table,...} one entry per parameter
-- @errors invalid, api, network, timeout, decode
function Catalog:vm_parameters()
  return self:_call(E.vm_parameters)
end

--- Every VM image (os_name, display_name, is_app_catalog, versions...) (elastis edition).
-- @function client.catalog:images
-- @treturn {table,...} the images
-- @errors invalid, api, network, timeout, decode
function Catalog:images()
  return self:_call(E.images)
end

--- The plain OS images (elastis edition).
-- @function client.catalog:plain_os_images
-- @treturn {table,...} the images
-- @errors invalid, api, network, timeout, decode
function Catalog:plain_os_images()
  return self:_call(E.plain_os)
end

--- The App Catalog images: OS images with applications installed (elastis edition).
-- @function client.catalog:app_catalog_images
-- @treturn {table,...} the images
-- @errors invalid, api, network, timeout, decode
function Catalog:app_catalog_images()
  return self:_call(E.app_catalog)
end

--- The bootable ISO images of the platform, for vm:boot_media (2025-12 edition): a list of
-- `{uuid, image_name ("systemrescue-12.x-amd64.iso"), description, is_installation_media, is_published}`.
-- @function client.catalog:boot_images
-- @treturn {table,...} the images
-- @errors invalid, api, network, timeout, decode
function Catalog:boot_images()
  return self:_call(E.boot_images)
end

return {
  new = resource.collection(Catalog),
  endpoints = E,
}
