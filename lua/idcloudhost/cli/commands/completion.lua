-- idcloudhost completion bash|zsh: a completion script, made from the same tables as the
-- dispatcher and the help (commands, verbs, flags).  zsh uses the bash one through bashcompinit.
local args = require "idcloudhost.cli.args"

local function flags_of(node)
  local out = {}
  for _, list in ipairs { node.flags or {}, args.GLOBAL } do
    for _, f in ipairs(list) do out[#out + 1] = "--" .. f.name end
  end
  return table.concat(out, " ")
end

local function names(node)
  local out = {}
  for _, c in ipairs(node.children or {}) do out[#out + 1] = c.name end
  return table.concat(out, " ")
end

--- The bash completion script for the tree under root.
local function bash(root)
  local L = {
    "# idcloudhost completion for bash: eval \"$(idcloudhost completion bash)\"",
    "_idcloudhost() {",
    "  local cur=${COMP_WORDS[COMP_CWORD]} words",
    "  local cmd=${COMP_WORDS[1]} verb=${COMP_WORDS[2]}",
    "  if [ \"$COMP_CWORD\" -eq 1 ]; then",
    "    words=\"" .. names(root) .. " " .. flags_of(root) .. "\"",
    "  else",
    "    case \"$cmd\" in",
  }
  for _, c in ipairs(root.children) do
    if c.children then
      L[#L + 1] = "      " .. c.name .. ")"
      L[#L + 1] = "        if [ \"$COMP_CWORD\" -eq 2 ]; then words=\"" .. names(c) .. "\"; else"
      L[#L + 1] = "          case \"$verb\" in"
      for _, v in ipairs(c.children) do
        L[#L + 1] = "            " .. v.name .. ") words=\"" .. flags_of(v) .. "\" ;;"
      end
      L[#L + 1] = "            *) words=\"" .. flags_of(root) .. "\" ;;"
      L[#L + 1] = "          esac"
      L[#L + 1] = "        fi ;;"
    else
      local extra = c.name == "completion" and "bash zsh " or (c.name == "wait" and "vm disk " or "")
      L[#L + 1] = "      " .. c.name .. ") words=\"" .. extra .. flags_of(c) .. "\" ;;"
    end
  end
  L[#L + 1] = "      *) words=\"" .. flags_of(root) .. "\" ;;"
  L[#L + 1] = "    esac"
  L[#L + 1] = "  fi"
  L[#L + 1] = "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))"
  L[#L + 1] = "}"
  L[#L + 1] = "complete -F _idcloudhost idcloudhost"
  return table.concat(L, "\n") .. "\n"
end

return { name = "completion", summary = "print a shell completion script: eval \"$(idcloudhost completion bash)\"",
  args = { { name = "SHELL", help = "bash or zsh" } },
  run = function(ctx, a)
    local root = require("idcloudhost.cli").tree()
    if a.shell == "bash" then
      ctx.stdout(bash(root))
    elseif a.shell == "zsh" then
      ctx.stdout("# idcloudhost completion for zsh: eval \"$(idcloudhost completion zsh)\"\n"
        .. "autoload -U +X bashcompinit && bashcompinit\n" .. bash(root))
    else
      return nil, require("idcloudhost.cli").error("usage", "completion: SHELL is bash or zsh, got '" .. a.shell .. "'")
    end
    return true
  end }
