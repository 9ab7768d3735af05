using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Safer;
using OfflineSafety.Serve.Tests;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Client.Tests;

/// <summary>A SAFER prior published to the service's store is listed, and its card and weights fetched, like a critic's.</summary>
public sealed class PriorServiceTests
{
    private static SaferFitResult TinyPrior()
    {
        // Two-dimensional states and actions; unsafe actions lean to +x, safe ones to -x.
        var random = new Random(3);
        int n = 64, window = 4;
        PriorExamples Make(float sign)
        {
            var states = new float[n * 2];
            var actions = new float[n * 2];
            var windows = new float[n * window * 2];
            var filled = new int[n];
            for (int i = 0; i < n; i++)
            {
                states[2 * i] = random.NextSingle();
                states[2 * i + 1] = random.NextSingle();
                actions[2 * i] = sign * 0.5f + 0.1f * random.NextSingle();
                actions[2 * i + 1] = random.NextSingle();
                filled[i] = 1 + i % window;
                for (int t = window - filled[i]; t < window; t++) { windows[(i * window + t) * 2] = random.NextSingle(); windows[(i * window + t) * 2 + 1] = states[2 * i + 1]; }
            }
            return new PriorExamples(2, 2, window, states, actions, windows, filled);
        }
        var settings = SaferPriorSettings.For(PriorVariant.Safer) with { WindowLength = window, ContextSize = 2, Steps = 30, BatchSize = 16, FlowHidden = [8], EncoderWidth = 8, Seed = 5 };
        return new SaferPriorTrainer(settings).Fit(Make(-1f), Make(1f));
    }

    [Fact]
    public async Task A_prior_is_listed_and_fetched_over_the_service_and_has_no_evaluate()
    {
        await using var host = await ServeHost.StartAsync();
        var fit = TinyPrior();
        var lineage = new ModelLineage(new DatasetLineage("toy", 1, null, ["v"]), null, CodeVersion.Current);
        var priors = new SkillPriorStore(new ModelRegistry(StoreLocation.Open(host.StorePath)));
        await priors.PublishAsync(SkillPriorStore.CardFor("toy-prior", fit, lineage), fit.Prior);

        var models = JsonDocument.Parse(await host.Client.GetStringAsync("/v1/models")).RootElement.GetProperty("models");
        Assert.Equal("skill-prior", models[0].GetProperty("kind").GetString());
        Assert.Equal("safer", models[0].GetProperty("algorithm").GetString());

        using var client = new ServeClient(new ServeClientOptions { Transport = new DirectTransport(host.BaseAddress), ApiKey = ServeHost.Key });
        var card = await client.GetModelAsync("toy-prior");
        Assert.Equal(fit.Prior.SafetyBound, card.Prior!.SafetyBound);
        IPriorSource source = client;
        var fetched = await source.LoadPriorAsync(ModelReference.Parse("toy-prior@1"));
        Assert.Equal("toy-prior@1", fetched.Card.Reference);
        float[] state = [0.4f, 0.6f], window = [0.1f, 0.6f, 0.4f, 0.6f], latent = [0.2f, -0.7f];
        float[] c1 = new float[2], c2 = new float[2], a1 = new float[2], a2 = new float[2];
        fit.Prior.ContextMean(window, 2, c1);
        fetched.Prior.ContextMean(window, 2, c2);
        fit.Prior.Decode(state, c1, latent, a1);
        fetched.Prior.Decode(state, c2, latent, a2);
        Assert.Equal(a1, a2);

        // A prior scores no actions: the critic endpoints answer with a one-line problem.
        var evaluate = await Assert.ThrowsAsync<BadInputException>(() => client.EvaluateAsync("toy-prior", [[0f, 0f]], [[0f, 0f]]));
        Assert.Contains("not a safety critic", evaluate.Message);
        await Assert.ThrowsAsync<BadInputException>(() => client.FetchCriticAsync("toy-prior"));
    }
}
