using OfflineSafety.Pipeline.Cli;

return await OffsafeCli.RunAsync(args);
