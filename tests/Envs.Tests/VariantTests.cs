using OfflineSafety.Envs.Variants;
using OfflineSafety.Envs;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs.Tests;

public class VariantTests
{
    [Fact]
    public void Ids_are_stable_and_round_trip()
    {
        var gains = new InputGainVariant(0.8734, 1.21449);
        Assert.Equal("b1=0.873,b2=1.214", gains.Id);
        Assert.Equal(gains, InputGainVariant.Parse(gains.Id));
        Assert.Equal("L=0.600", new PoleLengthVariant(0.6).Id);
        Assert.Equal(new PoleLengthVariant(0.6), PoleLengthVariant.Parse("L=0.6"));
        Assert.Equal(new InputGainVariant(1, 0.5), InputGainVariant.Parse(" b1 = 1 , b2=0.5 "));
    }

    [Fact]
    public void Every_sampled_training_variant_round_trips_through_its_id()
    {
        foreach (var definition in EnvironmentRegistry.Default.All)
            foreach (var variant in VariantSampling.TrainingVariants(definition.Variants, 200, seed: 17))
                Assert.Equal(variant, definition.Variants.Parse(variant.Id));
    }

    [Theory]
    [InlineData("L=1")]
    [InlineData("b1=0.9")]
    [InlineData("b1=0.9,b2=1.1,b3=2")]
    [InlineData("b2=0.9,b1=1.1")]
    [InlineData("b1=x,b2=1")]
    public void Malformed_navigation_ids_are_rejected(string id) =>
        Assert.Throws<BadInputException>(() => InputGainVariant.Parse(id));

    [Fact]
    public void Non_physical_parameters_are_rejected()
    {
        Assert.Throws<BadInputException>(() => new PoleLengthVariant(0));
        Assert.Throws<BadInputException>(() => InputGainVariant.Parse("b1=-1,b2=1"));
    }

    [Fact]
    public void Training_variants_follow_the_paper_ranges()
    {
        var lengths = VariantSampling.TrainingVariants(new PoleLengthFamily(), 500, 3).Cast<PoleLengthVariant>().Select(v => v.Length).ToList();
        Assert.All(lengths, l => Assert.InRange(l, 0.4f, 0.8f));
        Assert.InRange(lengths.Average(), 0.58, 0.62);
        var gains = VariantSampling.TrainingVariants(new InputGainFamily(), 500, 3).Cast<InputGainVariant>().ToList();
        Assert.All(gains, g => { Assert.InRange(g.B1, 0.5f, 1.5f); Assert.InRange(g.B2, 0.5f, 1.5f); });
        Assert.InRange(gains.Average(g => g.B1), 0.95, 1.05);
    }

    [Fact]
    public void Auto_test_variant_lies_outside_the_training_range()
    {
        Assert.Equal(new PoleLengthVariant(1.0), VariantSampling.TestVariant(new PoleLengthFamily(), "auto"));
        var family = new InputGainFamily();
        // Cart-pole's held-out L sits half the training width above the range; the gains follow suit.
        Assert.Equal(new InputGainVariant(2.0, 2.0), VariantSampling.TestVariant(family, "auto"));
        Assert.Equal(family.AutoTestVariant, VariantSampling.TestVariant(family, null));
        Assert.Equal(new InputGainVariant(1.0, 1.0), family.Nominal);
        Assert.Equal(new PoleLengthVariant(0.6), new PoleLengthFamily().Nominal);
        Assert.Equal(new InputGainVariant(0.7, 1.3), VariantSampling.TestVariant(family, "b1=0.7,b2=1.3"));
    }

    [Fact]
    public void Training_variants_depend_only_on_the_seed()
    {
        var family = new InputGainFamily();
        Assert.Equal(VariantSampling.TrainingVariants(family, 20, 8), VariantSampling.TrainingVariants(family, 20, 8));
        Assert.Equal(VariantSampling.TrainingVariants(family, 5, 8), VariantSampling.TrainingVariants(family, 20, 8).Take(5));
        Assert.NotEqual(VariantSampling.TrainingVariants(family, 20, 8), VariantSampling.TrainingVariants(family, 20, 9));
    }

    [Fact]
    public void Unknown_environment_names_the_known_ones()
    {
        var ex = Assert.Throws<NotFoundException>(() => EnvironmentRegistry.Default.Get("navigation3"));
        Assert.Contains("navigation1, navigation2, cartpole-length", ex.Message);
    }
}
