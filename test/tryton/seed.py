"""Seeds a fresh Tryton 6.0 database for PlantBridge's integration tests: company, products, productions.

Usage: python3 seed.py <config file> <database> <count>   (prints the created productions as JSON)
Run with Debian's /usr/bin/python3, where tryton-proteus is installed.
"""
import datetime
import json
import sys
from decimal import Decimal

from proteus import Model, config


def company_setup(conf, database):
    """Connects proteus, creates the company (EUR) and makes it the admin's; returns the company."""
    cfg = config.set_trytond(database=database, config_file=conf)
    Currency = Model.get('currency.currency')
    Party = Model.get('party.party')
    Company = Model.get('company.company')
    User = Model.get('res.user')
    eur = Currency(name='Euro', code='EUR', symbol='EUR', rounding=Decimal('0.01'))
    eur.save()
    company = Company(party=Party(name='PlantBridge Works'), currency=eur)
    company.party.save()
    company.save()
    admin = User(1)
    admin.companies.append(company)
    admin.company = company
    admin.save()
    cfg._context = User.get_preferences(True, {})
    return company


def main(conf, database, count):
    company = company_setup(conf, database)
    Uom = Model.get('product.uom')
    unit, = Uom.find([('name', '=', 'Unit')])
    Template = Model.get('product.template')
    Location = Model.get('stock.location')
    warehouse, = Location.find([('type', '=', 'warehouse')])
    Production = Model.get('production')

    BOM = Model.get('production.bom')
    ProductBom = Model.get('product.product-production.bom')
    sheet = Template(name='Steel sheet 2 mm', code='RM-100', default_uom=unit, type='goods')
    sheet.save()
    sheet = sheet.products[0]
    sheet.cost_price = Decimal('4.50')  # done() values the output from the inputs' cost
    sheet.save()

    products = []
    boms = []
    for i, name in enumerate(['Bracket, steel', 'Frame C, welded', 'Control box «Ölpumpe» & lid <IP65>']):
        # Tryton 6.0: the product code is the template's code + the variant's suffix.
        template = Template(name=name, code='FG-%d' % (1000 + i * 1000), default_uom=unit, type='goods', producible=True)
        template.list_price = Decimal('25.00')  # done() splits the cost over the outputs by list price
        template.save()
        product = template.products[0]
        # A bill of materials, as in a real plant: the production then gets its input and output moves.
        bom = BOM(name='BOM %s' % name)
        inp = bom.inputs.new()
        inp.product = sheet
        inp.quantity = 2
        out = bom.outputs.new()
        out.product = product
        out.quantity = 1
        bom.save()
        product.boms.append(ProductBom(bom=bom))
        product.save()
        products.append(product)
        boms.append(bom)

    created = []
    start = datetime.date(2026, 11, 23)
    for i in range(count):
        p = Production()
        p.product = products[i % len(products)]
        p.bom = boms[i % len(products)]
        p.quantity = 10 * (i + 1)
        p.warehouse = warehouse
        p.location = warehouse.production_location
        p.planned_start_date = start + datetime.timedelta(days=i % 5)
        p.planned_date = start + datetime.timedelta(days=i % 5 + 1)
        p.save()
        # Move some along: waiting, then running.
        if i % 3 >= 1:
            p.click('wait')
        if i % 3 == 2:
            p.click('assign_force')
            p.click('run')
        created.append({'id': p.id, 'number': p.number, 'state': p.state, 'product': p.product.code, 'quantity': float(p.quantity)})
    # Tryton has no maintenance module: PlantBridge files maintenance requests as tasks of this project.
    Work = Model.get('project.work')
    project = Work(name='Maintenance', type='project')
    project.save()
    print(json.dumps({'company': company.id, 'maintenanceProject': project.name, 'productions': created}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
