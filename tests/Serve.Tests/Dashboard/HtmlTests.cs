using OfflineSafety.Serve.Dashboard;

namespace OfflineSafety.Serve.Tests.Dashboard;

public sealed class HtmlTests
{
    [Fact]
    public void Holes_are_encoded_literals_and_built_fragments_are_not()
    {
        string evil = "<script>alert(\"x\")</script>&'";
        var inner = new Html().Add($"<i>{evil}</i>").ToMarkup();
        string page = new Html().Add($"<p title=\"{evil}\">{evil} {1.5} {inner}</p>").ToString();
        Assert.DoesNotContain("<script>", page);
        Assert.StartsWith("<p title=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;\">", page);
        Assert.Contains(" 1.5 <i>&lt;script&gt;", page);
        Assert.EndsWith("</i></p>", page);
    }
}
