-- POST a random body from the file given as the first script argument ("PATH<TAB>JSON" per line).
local requests = {}

init = function(args)
  for line in io.lines(args[1]) do
    local path, body = line:match("^([^\t]+)\t(.*)$")
    requests[#requests + 1] = { path = path, body = body }
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  local r = requests[math.random(#requests)]
  return wrk.format("POST", r.path, nil, r.body)
end
