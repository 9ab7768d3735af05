using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Nn.Tests.Kernels;

public class ActivationTests
{
    private static float[] Grid()
    {
        var values = new List<float>();
        for (float v = -60f; v <= 60f; v += 0.37f) values.Add(v);
        values.AddRange([0f, -0f, 1e-6f, -1e-6f, 88f, -88f, 200f, -200f, float.MaxValue, float.MinValue]);
        return values.ToArray();
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Relu)]
    public void Activations_match_float64_within_a_few_ulps_of_one(Activation act)
    {
        var x = Grid();
        var y = (float[])x.Clone();
        Activations.Apply(act, y);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Reference.Activate(act, x[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 3e-7 * Math.Max(1, Math.Abs(expected)), $"{act}({x[i]}) = {y[i]}, expected {expected}");
        }
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void A_value_gets_the_same_bits_in_the_vector_body_and_the_scalar_tail(Activation act)
    {
        var x = Grid();
        var whole = (float[])x.Clone();
        Activations.Apply(act, whole);
        for (int i = 0; i < x.Length; i++)
        {
            var single = new[] { x[i] };
            Activations.Apply(act, single);
            Assert.Equal(whole[i], single[0]);
        }
    }

    [Fact]
    public void Relu_propagates_NaN_rather_than_hiding_it()
    {
        var v = new[] { float.NaN, -1f, 2f, float.NaN, 0f, -3f, 4f, 5f, float.NaN };
        Activations.Relu(v);
        Assert.True(float.IsNaN(v[0]) && float.IsNaN(v[3]) && float.IsNaN(v[8]));
        Assert.Equal(new[] { 0f, 2f, 0f, 0f, 4f, 5f }, new[] { v[1], v[2], v[4], v[5], v[6], v[7] });
    }

    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void Backward_multiplies_by_the_derivative_at_the_output(Activation act)
    {
        var x = Reference.Random(19, 7, 3f);
        var y = (float[])x.Clone();
        Activations.Apply(act, y);
        var g = Reference.Random(19, 8);
        var expected = new double[19];
        for (int i = 0; i < 19; i++)
        {
            // Central difference of the float64 activation at the input.
            double h = 1e-4;
            double slope = (Reference.Activate(act, x[i] + h) - Reference.Activate(act, x[i] - h)) / (2 * h);
            expected[i] = g[i] * slope;
        }
        Activations.Backward(act, y, g);
        for (int i = 0; i < 19; i++) Assert.Equal(expected[i], g[i], 1e-4);
    }
}
