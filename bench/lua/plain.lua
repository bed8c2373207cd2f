-- GET of the URL as given, no cookie: the yardstick (/health/ready).
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
local report = require("report")

done = report.done
