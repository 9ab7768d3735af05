using OfflineSafety.Pipeline.Cli;

return await OffsafeCli.Build().Parse(args).InvokeAsync();
