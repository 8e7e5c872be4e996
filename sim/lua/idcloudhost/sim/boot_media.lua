-- Boot media, routes 105 and 112 of the 2025-12 idcloudhost text (shared/api/endpoints-2025.md
-- (a), (b1) #27, (c) 10):
--   GET  /v1/config/boot_images                          the platform's bootable ISO images
--   POST /v1/[{slug}/]user-resource/vm/boot_iso_media    (uuid, boot_image_uuid,
--        boot_image_repository = platform | private): boot the VM once from an ISO
--
-- The images: the docs' SystemRescue (rescue media) and an Ubuntu installer (installation media).
-- boot_iso_media, where the docs are silent (no answer, no status, and the only example sends
-- just the VM's uuid):
--   * it answers the VM, "running" (through "starting" with SIM_SETTLE), from any state, like
--     rescue_start, whose place it takes in the 2025-12 text; a busy VM is refused;
--   * without boot_image_uuid, the platform's rescue image (the docs' example boots "a rescue or
--     installation media" with none);
--   * platform: boot_image_uuid one of GET /v1/config/boot_images, else 400 Error; private: a
--     disk of the location whose read_only_bootable is true (the docs), else 400 Error;
--   * the media holds for one launch: the next start boots normally (vm_action.start clears it).
-- /__sim/state shows it in the VM's sim.boot_media. GET /v1/config/boot_images also answers with
-- a location slug, like the other config calls (from the field).
local disk = require "idcloudhost.sim.disk"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"

local boot = {}

boot.IMAGES = json.array {
  {
    uuid = "e3a5f2d6-7d15-11f0-85ba-047bcbc1cb26",
    image_name = "systemrescue-12.x-amd64.iso",
    is_installation_media = false,
    description = "SystemRescue 12",
    is_published = true,
  },
  {
    uuid = "4c0d5a1e-7d16-11f0-85ba-047bcbc1cb26",
    image_name = "ubuntu-24.04-live-server-amd64.iso",
    is_installation_media = true,
    description = "Ubuntu Server 24.04 installer",
    is_published = true,
  },
}

local REPOSITORIES = { platform = true, private = true }

local function image(uuid)
  for _, i in ipairs(boot.IMAGES) do
    if i.uuid == uuid then return i end
  end
end

function boot.images()
  return reply.ok(boot.IMAGES)
end

function boot.boot_iso_media(req)
  local r = params.reader(req.params)
  local media = r:uuid("boot_image_uuid")
  local repo = r:str("boot_image_repository", false, "platform")
  if repo and not REPOSITORIES[repo] then r:fail("boot_image_repository", "Must be one of: platform, private") end
  if repo == "private" and media == nil then r:raw("boot_image_uuid", true) end
  local rec, err = machine.lookup_idle(req, r)
  if not rec then return err end
  if repo == "platform" then
    media = media or boot.IMAGES[1].uuid
    if not image(media) then return reply.error("No such boot image: " .. media) end
  else
    local d = disk.find(req.loc, media)
    if not d then return reply.error("No such disk exists. " .. media) end
    if not d.read_only_bootable then
      return reply.error("Disk " .. media .. " is not read-only bootable (read_only_bootable is false)")
    end
  end
  rec.sim.boot_media = { uuid = media, repository = repo }
  machine.set_status(rec, "starting", "running")
  machine.touch(rec)
  return reply.ok(machine.view(rec))
end

function boot.register(router)
  router.add("GET", "/v1/config/boot_images", boot.images, { any_slug = true })
  router.add("POST", "/v1/user-resource/vm/boot_iso_media", boot.boot_iso_media, { loc = true })
end

return boot
