namespace OfflineSafety.Meta.Online;

/// <summary>Recovery RL's switching rule, on its own so it can be read and tested.</summary>
public static class RecoverySwitch
{
    /// <summary>(s, a_task) is outside T_safe = {Q_risk &lt;= eps}: execute the recovery action instead (it is not re-checked).</summary>
    public static bool ShouldRecover(float taskActionRisk, float epsRisk) => taskActionRisk > epsRisk;
}
