-- A family of resources as a command group: `idcloudhost vm list|get|delete ...` made from one
-- declaration (its collection, key, name field, columns), plus the verbs the family adds
-- (create, update, start, stop, ...).  Names work wherever a key does (ctx:resolve).
local family = {}

local function is_uuid(s)
  return type(s) == "string" and s:find("^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil
end
family.is_uuid = is_uuid

--- The view of a family (for output.show): its columns, a location column for lists of every
-- location, the key.
function family.view(fam, list, ctx)
  local cols = fam.columns
  if list and ctx and ctx.a.all_locations and fam.located then
    cols = { fam.columns[1], "location" }
    for i = 2, #fam.columns do cols[#cols + 1] = fam.columns[i] end
  end
  return { columns = cols, key = fam.key, fields = fam.fields, list = list }
end

--- The standard verbs over fam: list, get, delete.
local function standard(fam)
  local ref = { name = fam.arg, help = "a " .. fam.kind .. "'s " .. fam.key .. (fam.name_field and " or name" or "") }
  local many = { name = fam.arg, many = true, help = ref.help }
  return {
    list = { name = "list",
      summary = "list the " .. fam.plural .. (fam.located and " of the location (--all-locations: of every one)" or ""),
      run = function(ctx)
        local list, err = ctx:list(fam)
        if not list then return nil, err end
        ctx:show(list, family.view(fam, true, ctx))
        return true
      end },
    get = { name = "get", summary = "show one " .. fam.kind, args = { ref },
      run = function(ctx, a)
        local obj, err = ctx:resolve(fam, a[ref.name:lower()])
        if not obj then return nil, err end
        ctx:show(obj, family.view(fam, false))
        return true
      end },
    -- (obj:rename(name), for families whose objects have one)
    rename = { name = "rename", summary = "rename a " .. fam.kind:gsub("_", " "),
      args = { ref, { name = "NAME", help = "the new name" } },
      run = function(ctx, a)
        local obj, err = ctx:resolve(fam, a[ref.name:lower()])
        if not obj then return nil, err end
        local id = tostring(obj[fam.key])
        local ok
        ok, err = ctx:write(fam.kind .. " rename " .. id, obj.rename, obj, a.name)
        if not ok then return nil, err end
        ctx:done(obj, family.view(fam, false), "renamed " .. fam.kind .. " " .. id .. " " .. tostring(obj[fam.name_field]))
        return true
      end },
    delete = { name = "delete", summary = "delete " .. fam.plural, args = { many }, flags = fam.delete_flags,
      run = function(ctx, a)
        local objs, err = ctx:resolve_all(fam, a[many.name:lower()])
        if not objs then return nil, err end
        local gone = {}
        local _, first = ctx:each(objs, "deleting", function(obj)
          local id = tostring(obj[fam.key])
          local ok, derr = ctx:write(fam.kind .. " delete " .. id, obj.delete, obj, fam.delete_opts and fam.delete_opts(a) or nil)
          if not ok then return nil, derr end
          gone[#gone + 1] = { [fam.key] = obj[fam.key], deleted = true }
          if not ctx.a.quiet and ctx.fmt.kind == "table" then ctx:out("deleted " .. fam.kind .. " " .. id) end
          return true
        end)
        ctx:many(gone, { key = fam.key, columns = { fam.key, "deleted" } }, "")
        if first then return nil, first end
        return true
      end },
  }
end

--- A group node from a declaration: name, kind, plural, collection, key, name_field, is_key,
-- arg (the positional's name), columns, fields, located (per location), delete_flags,
-- delete_opts(a), verbs (a list: standard ones by name ("list", "get", "rename", "delete") or
-- nodes).
function family.new(fam)
  fam.is_key = fam.is_key or is_uuid
  fam.plural = fam.plural or (fam.kind .. "s")
  fam.arg = fam.arg or fam.kind:upper()
  if fam.located == nil then fam.located = true end
  local std = standard(fam)
  local node = { name = fam.name, summary = fam.summary, aliases = fam.aliases, children = {}, family = fam }
  for _, v in ipairs(fam.verbs) do
    local verb = type(v) == "string" and assert(std[v], v) or v
    node.children[#node.children + 1] = verb
  end
  return node
end

return family
