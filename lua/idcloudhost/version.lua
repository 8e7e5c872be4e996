-- The SDK's version: the one place it is written (the rockspecs and the User-Agent read it).
return "0.2.0"
