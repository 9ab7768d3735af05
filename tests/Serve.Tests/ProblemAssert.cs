using System.Text.Json;

namespace OfflineSafety.Serve.Tests;

public static class ProblemAssert
{
    public static async Task IsAsync(HttpResponseMessage response, int status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.DoesNotContain('\n', detail);
        Assert.NotEmpty(detail);
    }
}
