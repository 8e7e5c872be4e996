std = "max"
max_line_length = 140
files["spec"] = { std = "+busted" }
exclude_files = { "build" }
-- Neovim's global (its fields are set: vim.g, vim.env), where the code runs only in Neovim.
files["spec/nvim"] = { globals = { "vim" } }
files["examples/nvim"] = { globals = { "vim" } }
files["bench/nvim"] = { globals = { "vim" } }
