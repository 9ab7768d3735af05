using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Ingest.Tests.Transitions;

public class TransitionBatchTests
{
    [Fact]
    public void Add_grows_past_capacity_and_keeps_rows_in_order()
    {
        var b = new TransitionBatch(obsDim: 2, actDim: 1, capacity: 1);
        for (int i = 0; i < 5; i++)
            b.Add(7, i, "v", "s", [i, -i], [0.5f * i], [i + 1, -i - 1], -i, i % 2, i == 4, i == 4, false);

        Assert.Equal(5, b.Count);
        Assert.Equal([3f, -3f], b.ObsRow(3).ToArray());
        Assert.Equal([4f, -4f], b.NextObsRow(3).ToArray());
        Assert.Equal(2f, b.ActionRow(4)[0]);
        Assert.True(b.Unsafe[4]);
        Assert.False(b.Unsafe[3]);
    }

    [Fact]
    public void Add_rejects_a_wrong_dimension_naming_the_field()
    {
        var b = new TransitionBatch(2, 1);
        var ex = Assert.Throws<ArgumentException>(() => b.Add(0, 0, "v", "s", [1f], [0f], [1f, 2f], 0, 0, false, false, false));
        Assert.Contains("obs has 1 values, expected 2", ex.Message);
        Assert.Equal(0, b.Count);
    }

    [Fact]
    public void Where_keeps_selected_rows()
    {
        var b = new TransitionBatch(1, 1);
        for (int i = 0; i < 4; i++) b.Add(i, 0, "v", "s", [i], [i], [i], 0, 0, false, false, false);
        var odd = b.Where(i => i % 2 == 1);
        Assert.Equal([1L, 3L], odd.EpisodeId.ToArray());
    }
}
