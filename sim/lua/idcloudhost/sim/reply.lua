-- Response values handlers return to the server: { status, body (string), headers }.
local json = require "idcloudhost.sim.json"

local reply = {}

function reply.json(status, value, headers)
  return { status = status, body = json.encode(value), headers = headers or {} }
end

function reply.ok(value)
  return reply.json(200, value)
end

function reply.success()
  return reply.json(200, { success = true })
end

-- 400 {"errors": {"field": "message", ...}}
function reply.errors(fields, status)
  return reply.json(status or 400, { errors = fields })
end

-- 400 {"errors": {"Error": "message"}}
function reply.error(msg, status)
  return reply.json(status or 400, { errors = { Error = msg } })
end

-- {"message": "..."} as the API gateway answers (404, 401, 403, ...)
function reply.message(status, msg)
  return reply.json(status, { message = msg })
end

-- reply.message with the message string.format(fmt, ...)
function reply.messagef(status, fmt, ...)
  return reply.message(status, string.format(fmt, ...))
end

function reply.empty(status)
  return { status = status or 204, body = "", headers = {} }
end

function reply.raw(status, body, content_type)
  return { status = status, body = body or "", headers = { ["content-type"] = content_type } }
end

reply.NO_ROUTE = "no route and no API found with those values"

return reply
