using OfflineSafety.Bench.Cli;

return await BenchCommands.Create().Parse(args).InvokeAsync();
