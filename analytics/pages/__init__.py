"""One module per dashboard page; each has `build(dashboard) -> Page`. PAGES orders the navigation."""

from . import customers, data, geography, operations, overview, people, pricing, products, trends

PAGES = {
    "overview": ("Overview", overview.build),
    "trends": ("Trends", trends.build),
    "geography": ("Geography", geography.build),
    "products": ("Products", products.build),
    "pricing": ("Pricing", pricing.build),
    "customers": ("Customers", customers.build),
    "people": ("People & branches", people.build),
    "operations": ("Operations", operations.build),
    "data": ("Data quality", data.build),
}
