-- idcloudhost bill: the bill so far (client:bill, when the SDK has it).
local output = require "idcloudhost.cli.output"

return { name = "bill", summary = "the bill of the billing accounts (needs client:bill)",
  run = function(ctx)
    local c, err = ctx:client()
    if not c then return nil, err end
    if type(c.bill) ~= "function" then
      return nil, require("idcloudhost.cli").error("usage", "bill: this SDK has no client:bill yet (idcloudhost "
        .. require("idcloudhost")._VERSION .. "); see `idcloudhost leftovers` and `idcloudhost account list`")
    end
    local bill
    bill, err = c:bill()
    if not bill then return nil, err end
    ctx:out(output.json(output.plain(bill), ctx.fmt.kind ~= "jsonl" and "  " or nil))
    return true
  end }
