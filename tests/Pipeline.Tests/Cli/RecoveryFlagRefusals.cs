namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>
/// The two command lines the Recovery RL flag tests (RecoveryRlOptions: --recovery-hold, -gamma,
/// -objective, -relabel, -penalty) are refused on: a one-seed quick `experiment mesa` and a
/// one-episode `online` run, each of which would start work if the flags were accepted.
/// </summary>
internal static class RecoveryFlagRefusals
{
    public static Task ExperimentMesaAsync(string expected, params string[] flags) =>
        OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", "mesa", "--env", "halfcheetah-disabled", "--quick", "--seeds", "1", .. flags], expected);

    public static Task OnlineAsync(string expected, string algo, params string[] flags) =>
        OffsafeProcess.AssertRefusedInOneLineAsync(["online", "--env", "navigation1", "--algo", algo, "--episodes", "1", "--no-record", .. flags], expected);
}
