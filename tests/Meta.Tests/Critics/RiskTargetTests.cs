using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Critics;

namespace OfflineSafety.Meta.Tests.Critics;

public class RiskTargetTests
{
    [Fact]
    public void Violation_is_one_terminal_is_zero_truncated_bootstraps()
    {
        // Hand-built transitions: a violation (unsafe, terminal), a success (terminal, safe),
        // a time-limit cut (truncated, not terminal) and an ordinary step.
        var b = new TransitionBatch(1, 1);
        b.Add(0, 0, "v", "t", [0f], [0f], [1f], 0, 1, isUnsafe: true, terminal: true, truncated: false);
        b.Add(1, 0, "v", "t", [0f], [0f], [1f], 0, 0, isUnsafe: false, terminal: true, truncated: false);
        b.Add(2, 9, "v", "t", [0f], [0f], [1f], 0, 0, isUnsafe: false, terminal: false, truncated: true);
        b.Add(3, 0, "v", "t", [0f], [0f], [1f], 0, 0, isUnsafe: false, terminal: false, truncated: false);

        var unsafeFlag = b.Unsafe.ToArray().Select(u => u ? 1f : 0f).ToArray();
        var terminalFlag = b.Terminal.ToArray().Select(t => t ? 1f : 0f).ToArray();
        float[] nextRisk = [0.5f, 0.5f, 0.5f, 0.25f];
        var y = new float[4];
        RiskTarget.Compute(unsafeFlag, terminalFlag, nextRisk, 0.8f, y);

        Assert.Equal(1f, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.Equal(0.8f * 0.5f, y[2], 6);
        Assert.Equal(0.8f * 0.25f, y[3], 6);
    }

    [Fact]
    public void An_unsafe_row_stays_one_whatever_the_bootstrap()
    {
        Assert.Equal(1f, RiskTarget.Of(1f, 0f, 0.8f, 0.9f));
        Assert.Equal(1f, RiskTarget.Of(1f, 1f, 0.8f, 0f));
    }
}
